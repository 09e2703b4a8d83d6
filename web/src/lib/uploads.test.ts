import { describe, it, expect } from 'vitest';
import { attachmentFragment, attachmentType, checkAttachment, MAX_BYTES } from './uploads';

describe('attachment checks before upload', () => {
  it('accepts the five allowed types, guessing from the extension when the browser gives none', () => {
    expect(attachmentType({ name: 'a.png', type: 'image/png' })).toBe('image/png');
    expect(attachmentType({ name: 'scan.PDF', type: '' })).toBe('application/pdf');
    expect(attachmentType({ name: 'x.jpg', type: 'application/octet-stream' })).toBe('image/jpeg');
    expect(attachmentType({ name: 'x.svg', type: 'image/svg+xml' })).toBeNull();
    expect(attachmentType({ name: 'x.png', type: 'text/html' })).toBeNull();
  });

  it('refuses empty, oversized and too many files with a reason', () => {
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: 0 })).toMatch(/empty/);
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: MAX_BYTES + 1 })).toMatch(/limit is 10 MB/);
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: MAX_BYTES })).toBeNull();
    expect(checkAttachment({ name: 'a.exe', type: 'application/x-msdownload', size: 5 })).toMatch(/only PNG/);
    expect(checkAttachment({ name: 'a.png', type: 'image/png', size: 5 }, 8)).toMatch(/At most 8/);
  });

  it('builds the image_url fragment existing clients send', () => {
    const f = attachmentFragment({ id: 'abc', filename: 'a.png', mimeType: 'image/png', sizeBytes: 3, displayUrl: 'http://h/api/files/k?sig=1', deliveryUrl: 'data:image/png;base64,AAA', sessionId: 's', uploadedAt: 'T', expiresAt: null });
    expect(f).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' }, metadata: { attachment_id: 'abc', display_url: 'http://h/api/files/k?sig=1', mime_type: 'image/png', size_bytes: 3, filename: 'a.png', session_id: 's', uploaded_at: 'T', expires_at: null } });
  });
});
