export { createDownloadCounter, dayOf, type DownloadCounter, type DownloadCounterOptions, type DownloadHit } from './counter.js';
export { downloadsPerPackage, downloadsOfPackage, windowStart, type PackageDownloads } from './queries.js';
