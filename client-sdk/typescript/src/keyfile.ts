// Key files on disk, in the node's format (io.timecoin.crypto.KeyFile, docs/sdk.md 5): Node.js only.
import { constants } from "node:fs";
import { open, rename, rm, stat, readFile } from "node:fs/promises";
import { dirname, basename, join, resolve } from "node:path";
import { KeyFileError, Wallet } from "./wallet.js";

/** Reads a key file; one that others may read or write (mode wider than 0600) is refused. */
export async function readKeyFile(path: string): Promise<Wallet> {
  const s = await stat(path);
  if (process.platform !== "win32" && (s.mode & 0o077) !== 0) {
    throw new KeyFileError(`${path} is accessible by others (mode ${(s.mode & 0o777).toString(8)}); refusing to use it. ` +
      `If no one else has read it, run: chmod 600 ${path}; otherwise make a new key.`);
  }
  try {
    return Wallet.fromKeyFileText(await readFile(path, "ascii"));
  } catch (e) {
    if (e instanceof KeyFileError) throw new KeyFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Writes a new key file, mode 0600 from the start, durably; an existing file is never overwritten. */
export async function writeKeyFile(path: string, wallet: Wallet): Promise<void> {
  const dir = dirname(resolve(path));
  const tmp = join(dir, `${basename(path)}.tmp`);
  const exists = await stat(path).then(() => true, () => false);
  if (exists) throw new KeyFileError(`${path}: a key file is already there; move it away first if you really mean to replace it`);
  await rm(tmp, { force: true });
  const file = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await file.writeFile(wallet.keyFileText(), "ascii");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const folder = await open(dir, constants.O_RDONLY);
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
