// Loads the TypeScript worker as the server loads its code (tsx), also when the parent did not.
import { register } from 'tsx/esm/api';

register();
await import('./drivers-worker.ts');
