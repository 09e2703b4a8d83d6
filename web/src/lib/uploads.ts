// Attachments (api.md §2.18): checked in the browser before upload (type and size, the server's defaults), then
// sent as multipart/form-data with XMLHttpRequest, which reports upload progress (fetch does not).
import { describeDetail, type UploadedAttachment } from './api';
import type { Attachment } from './thread';

export const ALLOWED_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/pdf'];
/** The server's default ATTACHMENTS_MAX_SIZE_BYTES; a server configured higher or lower still has the last word. */
export const MAX_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 8;
export const LIMITS_TEXT = 'PNG, JPEG, WebP, GIF or PDF, up to 10 MB each';

const BY_EXTENSION: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', pdf: 'application/pdf' };

/** The MIME type to declare, or null when the file is not allowed. */
export function attachmentType(file: { name: string; type: string }): string | null {
  const declared = file.type.toLowerCase();
  if (ALLOWED_TYPES.includes(declared)) return declared;
  if (declared && declared !== 'application/octet-stream') return null;
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  return BY_EXTENSION[ext] ?? null;
}

/** Why a file cannot be attached, or null when it can. */
export function checkAttachment(file: { name: string; type: string; size: number }, alreadyPending = 0): string | null {
  if (alreadyPending >= MAX_FILES) return `At most ${MAX_FILES} attachments per message.`;
  if (!attachmentType(file)) return `${file.name}: only ${LIMITS_TEXT}.`;
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > MAX_BYTES) return `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is 10 MB.`;
  return null;
}

export function attachmentFromUpload(a: UploadedAttachment): Attachment {
  return {
    id: a.id, filename: a.metadata?.filename ?? 'attachment', mimeType: a.mimeType, sizeBytes: a.sizeBytes,
    displayUrl: a.displayUrl, deliveryUrl: a.deliveryUrl, uploadedAt: a.uploadedAt, expiresAt: a.expiresAt, sessionId: a.sessionId,
  };
}

/** The fragment a user message carries for an attachment (api.md §3.1). */
export function attachmentFragment(a: Attachment) {
  return {
    type: 'image_url',
    image_url: { url: a.deliveryUrl },
    metadata: {
      attachment_id: a.id, display_url: a.displayUrl, mime_type: a.mimeType, size_bytes: a.sizeBytes, filename: a.filename,
      session_id: a.sessionId, uploaded_at: a.uploadedAt, expires_at: a.expiresAt ?? null,
    },
  };
}

export interface UploadHandle {
  promise: Promise<Attachment>;
  abort: () => void;
}

export function uploadAttachment(file: File, sessionId: string, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Attachment>((resolve, reject) => {
    const form = new FormData();
    const type = attachmentType(file) ?? file.type;
    form.append('session_id', sessionId);
    form.append('file', file.type === type ? file : new Blob([file], { type }), file.name);
    xhr.open('POST', '/api/uploads');
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new Error('Upload failed: parley cannot be reached.'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    xhr.onload = () => {
      let body: { attachment?: UploadedAttachment; detail?: unknown } | null = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status === 201 && body?.attachment) resolve(attachmentFromUpload(body.attachment));
      else reject(new Error(body?.detail !== undefined ? describeDetail(body.detail) : `Upload failed with status ${xhr.status}`));
    };
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
