// The audit log of inter-domain traffic (SPEC X1): one JSON line per request crossing the border,
// kept apart from the debug log, with rotation and retention; optionally an archive of the messages
// themselves. Off by default: it records who talked to whom (docs/OPERATIONS.md, "Audit log").
import { z } from 'zod';
import { boundedInt } from './bounded-int.js';
import { filePathField } from './network-fields.js';
import { section } from './section.js';

const SIZE = /^\d+[kmg]$/;

const sizeField = () => z.string().regex(SIZE, { message: 'must be a size such as 10m, 500k or 1g' }).default('100m');

export const auditSchema = section(
  z.strictObject({
    enabled: z.boolean().default(false),
    /** null: standard output, under the logger name `simple-edge-audit`. */
    file: filePathField().nullable().default(null),
    rotate: z.enum(['daily', 'hourly']).default('daily'),
    maxFileSize: sizeField(),
    /** Retention: rotated files kept besides the current one. */
    keepFiles: retainedFiles(),
    archive: section(
      z.strictObject({
        /** Also keep every border-crossing request's text (privacy: docs/OPERATIONS.md). */
        enabled: z.boolean().default(false),
        directory: filePathField().default('var/archive'),
        keepFiles: retainedFiles(),
      }),
    ),
  }),
);

function retainedFiles() {
  return boundedInt({ min: 1, max: 3650, default: 30 });
}

export type AuditConfig = z.infer<typeof auditSchema>;
