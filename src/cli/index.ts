// The command line's face: main(argv) runs one `loglab` command and returns
// its exit code; main.ts is the installed program.

export { main, type OpenManager, type OpenRequest } from "./run.ts";
