// The page: a navigation of lessons, the lesson the URL names, and the
// in-page log's storage panel.

import { LESSONS } from "./lessons/index.ts";
import { navigate, route } from "./route.ts";
import { StoragePanel } from "./components/storage-panel.tsx";

export function App() {
  const current = LESSONS.find((l) => l.slug === route.value.lesson) ?? LESSONS[0]!;
  const View = current.view;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/log">loglab</a>
        <span class="tagline">a Kafka-style commit log, running in this page</span>
      </header>
      <div class="layout">
        <nav aria-label="Lessons" class="lessons">
          <ol>
            {LESSONS.map((lesson) => (
              <li key={lesson.slug}>
                <a
                  href={`#/${lesson.slug}`}
                  aria-current={lesson === current ? "page" : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(lesson.slug);
                  }}
                >
                  {lesson.title}
                </a>
              </li>
            ))}
          </ol>
        </nav>
        <main id="lesson" aria-labelledby="lesson-title">
          <h1 id="lesson-title">{current.title}</h1>
          <p class="teaches">{current.teaches}</p>
          <View key={current.slug} />
        </main>
        <aside class="side" aria-label="Where the log is kept">
          <StoragePanel />
        </aside>
      </div>
    </>
  );
}
