// The header's words for the database's state, with a first start's download in bytes of the total.
import type { DownloadEvent } from '../db/protocol.ts';
import type { Status } from './state/playground.svelte.ts';
import { formatBytes } from '../db/unsaved.ts';

export function statusText(status: Status, version: string, download: DownloadEvent | null): string {
  if (status === 'starting') {
    const downloading = download && download.received < download.total;
    return downloading ? `Starting PostgreSQL… downloading ${formatBytes(download.received)} of ${formatBytes(download.total)}` : 'Starting PostgreSQL…';
  }
  if (status === 'restarting') return 'Restarting…';
  if (status === 'failed') return 'Database unavailable';
  return `PostgreSQL ${version}`;
}
