export { readTarGz, checkEntryPath, type ArchiveLimits, type ArchiveListing, type ArchiveEntry } from './tar-gz.js';
export { readZip } from './zip.js';
