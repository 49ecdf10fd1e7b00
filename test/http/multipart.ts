/** A multipart/form-data body built by hand, so tests control the order of the parts. */
export function multipartBody(
  parts: ({ name: string; value: string } | { name: string; filename: string; content: string })[],
  boundary = 'chatbatch-test-boundary',
): { payload: string; headers: Record<string, string> } {
  const chunks = parts.map((part) =>
    'filename' in part
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
        `Content-Type: text/csv\r\n\r\n${part.content}\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
  );
  return {
    payload: `${chunks.join('')}--${boundary}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
