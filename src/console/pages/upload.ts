import type { UploadOptions } from '../api-client.js';
import type { IngestReport } from '../api-types.js';
import { h, replaceChildren } from '../dom.js';
import type { Page, PageContext } from '../page.js';
import { alertBox, errorText, pageHeading, showAlert } from '../ui.js';
import { createUploadFields } from './upload-fields.js';
import { previewReport, uploadedReport } from './upload-report.js';

/** A random Idempotency-Key: a double click or a retried confirm enqueues once. */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Upload a CSV: a dry run first (counts and every rejected row with its line), then a confirm
 * button that uploads for real with the same options, and the accepted/rejected report.
 */
export function uploadPage(ctx: PageContext): Page {
  const fileInput = h('input', {
    id: 'csv-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv',
    required: true,
    'aria-describedby': 'csv-file-hint',
  });
  const chosen = h('p', { class: 'hint', 'aria-live': 'polite' });
  const dropZone = h(
    'div',
    { class: 'drop-zone' },
    h('label', { for: 'csv-file' }, 'CSV file'),
    fileInput,
    h(
      'p',
      { id: 'csv-file-hint', class: 'hint' },
      'Choose a file or drop it here. A header row is required: input, and optionally ' +
        'conversation_id, agent_id, previous_chat_id, timezone, recipient_id and variable columns.',
    ),
    chosen,
  );
  const fields = createUploadFields();

  const alert = alertBox();
  const uploadButton = h('button', { type: 'submit' }, 'Upload');
  const preview = h('section', {
    class: 'card',
    'aria-labelledby': 'preview-heading',
    hidden: true,
  });
  const result = h('section', {
    class: 'card',
    'aria-labelledby': 'result-heading',
    hidden: true,
  });

  let pending: { file: File; options: UploadOptions; key: string } | undefined;

  function showFile() {
    const file = fileInput.files?.[0];
    chosen.textContent = file ? `Selected: ${file.name} (${file.size.toLocaleString()} bytes)` : '';
    pending = undefined;
    preview.hidden = true;
  }
  fileInput.addEventListener('change', showFile);
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    const files = event.dataTransfer?.files;
    if (files && files.length > 0) {
      fileInput.files = files;
      showFile();
    }
  });

  async function runPreview(event: Event) {
    event.preventDefault();
    showAlert(alert, undefined);
    result.hidden = true;
    const file = fileInput.files?.[0];
    if (!file) {
      showAlert(alert, 'Choose a CSV file first.');
      fileInput.focus();
      return;
    }
    const options = fields.read();
    if (typeof options === 'string') {
      showAlert(alert, options);
      return;
    }
    uploadButton.disabled = true;
    try {
      const report = await ctx.api.upload(file, file.name, options, { dryRun: true });
      // Without a Batch ID the dry run drew one: the real upload uses the same.
      const confirmed = { ...options, batchId: options.batchId || report.batchId };
      pending = { file, options: confirmed, key: idempotencyKey() };
      showPreview(report);
    } catch (error) {
      showAlert(alert, errorText(error));
    } finally {
      uploadButton.disabled = false;
    }
  }

  function showPreview(report: IngestReport) {
    const confirm = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        disabled: report.accepted === 0,
        onclick: () => void commit(confirm),
      },
      'Confirm and enqueue',
    );
    const discard = h(
      'button',
      {
        type: 'button',
        onclick: () => {
          pending = undefined;
          preview.hidden = true;
          uploadButton.focus();
        },
      },
      'Discard',
    );
    replaceChildren(
      preview,
      h(
        'h2',
        { id: 'preview-heading', tabindex: -1 },
        `Preview of ${pending?.file.name ?? 'the file'} (nothing enqueued yet)`,
      ),
      previewReport(report),
      report.accepted === 0
        ? h('p', {}, 'Nothing to enqueue: fix the rows above and upload again.')
        : null,
      h('div', { class: 'actions' }, confirm, discard),
    );
    preview.hidden = false;
    (preview.querySelector('h2') as HTMLElement).focus({ preventScroll: true });
    preview.scrollIntoView({ block: 'start' });
    ctx.announce(
      `Preview: ${report.accepted} conversations would be enqueued, ${report.rejected} rejected.`,
    );
  }

  async function commit(button: HTMLButtonElement) {
    if (!pending) return;
    button.disabled = true;
    showAlert(alert, undefined);
    try {
      const { file, options, key } = pending;
      const report = await ctx.api.upload(file, file.name, options, {
        dryRun: false,
        idempotencyKey: key,
      });
      pending = undefined;
      preview.hidden = true;
      replaceChildren(
        result,
        h('h2', { id: 'result-heading', tabindex: -1 }, 'Uploaded'),
        uploadedReport(report),
      );
      result.hidden = false;
      (result.querySelector('h2') as HTMLElement).focus({ preventScroll: true });
      result.scrollIntoView({ block: 'start' });
      ctx.announce(`Uploaded: ${report.accepted} accepted, ${report.rejected} rejected.`);
    } catch (error) {
      showAlert(alert, errorText(error));
      button.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'card', novalidate: true, onsubmit: (event) => void runPreview(event) },
    dropZone,
    fields.elements,
    alert,
    h('div', { class: 'actions' }, uploadButton),
  );

  const element = h(
    'section',
    { class: 'page' },
    pageHeading('Upload a CSV'),
    h('p', {}, 'The file is checked first; nothing is enqueued until you confirm.'),
    form,
    preview,
    result,
  );
  return { title: 'Upload', element };
}
