// Entry point: mounts the app and opens the in-page log on the saved storage.

import { render } from "preact";
import { App } from "./app.tsx";
import { openPageLog } from "./engine/page-log.ts";
import "./styles.css";

render(<App />, document.getElementById("app")!);
void openPageLog();
