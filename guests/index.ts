export { ClickosGuests, type Guest, type ManagerOptions } from './manager.js';
export { ClickosControl, chunkConfig, CHUNK_SIZE, type RouterInfo } from './router.js';
export { GuestError, GuestTimeoutError, RouterInitError, GuestDiedError } from './errors.js';
export { Vifs } from './vifs.js';
