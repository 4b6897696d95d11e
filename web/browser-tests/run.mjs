// Browser tests: the web app in real headless Chromium (Debian's /usr/bin/chromium), driven by
// playwright-core, against `commsflow serve` over a fresh demo database (see harness.mjs).
// Screenshots are saved to web/artefacts/.
//
// Usage (from the repository root): node web/browser-tests/run.mjs [path/to/commsflow]
// The binary defaults to $COMMSFLOW_BIN, then build/engine/commsflow.
import { runAll } from './harness.mjs';
// The sweep reads the demo as it is made, before the tests below change it.
import './accessibility.mjs';
import './journeys.mjs';
import './tasks.mjs';

process.exit((await runAll()) ? 1 : 0);
