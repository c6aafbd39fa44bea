// `serve()` in Deno (Deno.listen): what both shells promise (serve-check.ts: kcat, a kcat group, DescribeGroups'
// host, raw sockets).

import { DenoFsStorage } from "../../src/storage/deno-fs.ts";
import { serve } from "../../src/wire/deno-server.ts";
import { serveSuite } from "./serve-check.ts";

serveSuite({ runtime: "deno", serve, storage: (dir) => new DenoFsStorage(dir) });
