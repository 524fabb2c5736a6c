// The users file (SPEC I2, beside the SQLite store): `users: [{ address, password }]` in
// YAML, added to the directory at start so a community can be described in files alone. Users already
// in the directory keep their record; a tombstoned address is refused (Y2) and reported.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { AddressTombstonedError, UserExistsError, type UserDirectory } from './user-directory.js';

const usersFileSchema = z.strictObject({
  users: z.array(z.strictObject({ address: z.string().min(3), password: z.string().min(1) })).default([]),
});

export interface UsersFileReport {
  readonly added: readonly string[];
  readonly kept: readonly string[];
  readonly refused: ReadonlyArray<{ readonly address: string; readonly why: string }>;
}

/** Throws with the file's problem when it is not valid YAML of that shape. */
export async function loadUsersFile(path: string, directory: UserDirectory, realm: string): Promise<UsersFileReport> {
  const parsed = usersFileSchema.safeParse(parse(readFileSync(path, 'utf8')) ?? {});
  if (!parsed.success)
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const report = {
    added: [] as string[],
    kept: [] as string[],
    refused: [] as Array<{ address: string; why: string }>,
  };
  for (const user of parsed.data.users) {
    try {
      report.added.push((await directory.add({ address: user.address, password: user.password, realm })).address);
    } catch (error) {
      if (error instanceof UserExistsError) report.kept.push(user.address);
      else if (error instanceof AddressTombstonedError)
        report.refused.push({ address: user.address, why: error.message });
      else throw error;
    }
  }
  return report;
}
