// Entry point: mounts the app and opens the in-page log on the saved storage.

import { render } from "preact";
import { App } from "./app.tsx";
import { openPageLog } from "./engine/page-log.ts";
import "./styles.css";

render(<App />, document.getElementById("app")!);
void openPageLog();

// The built app works offline after a first visit: sw.js (made by the build) keeps every file.
if (import.meta.env.PROD && "serviceWorker" in navigator && location.protocol.startsWith("http")) {
  navigator.serviceWorker.register("./sw.js").catch((error: unknown) => console.warn("working offline is not available:", error));
}
