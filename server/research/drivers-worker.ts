import { parentPort, workerData } from 'node:worker_threads';
import { analyseGroups, type DriverJob } from './drivers-job.ts';

// The analyses of one wave off the main thread: each is O(respondents) before its bootstrap, which
// for a network wave (165,000 respondents) would hold the event loop for tens of milliseconds a time.
parentPort!.postMessage(analyseGroups(workerData as DriverJob));
