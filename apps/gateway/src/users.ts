import { isDuplicateKey } from '@hookline/runtime';
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import { z } from 'zod';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';

export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, 'must be letters, digits, _ . @ or -, starting with a letter or digit');
export const passwordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');

interface UserDoc {
  username: string;
  password_hash: string;
  /** Moves on at every password change: tokens carry the version they were issued under. */
  token_version?: number;
  created_at: Date;
  updated_at: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    username: { type: String, required: true, unique: true },
    password_hash: { type: String, required: true },
    token_version: { type: Number, default: 0 },
    created_at: { type: Date, required: true },
    updated_at: { type: Date, required: true },
  },
  { versionKey: false },
);

/** Refresh tokens already exchanged, until they would have expired anyway (TTL index). */
interface UsedRefreshDoc {
  _id: string;
  expires_at: Date;
}
const usedRefreshSchema = new Schema<UsedRefreshDoc>(
  { _id: { type: String, required: true }, expires_at: { type: Date, required: true, expires: 0 } },
  { versionKey: false },
);

/** How long a user's token version is trusted from memory: a password change reaches every replica within it. */
const VERSION_CACHE_MS = 1000;

export type CreateUserResult = { outcome: 'created'; username: string; created_at: Date } | { outcome: 'exists' };

/** Gateway users (the Memphis "client" users that may get a JWT), passwords as scrypt hashes. */
export class GatewayUsers {
  private readonly model: Model<UserDoc>;
  private readonly usedRefresh: Model<UsedRefreshDoc>;
  private readonly versions = new Map<string, { at: number; version: number | null }>();

  constructor(
    db: Connection,
    private readonly now: () => number = Date.now,
  ) {
    this.model =
      (db.models.GatewayUser as Model<UserDoc> | undefined) ?? db.model('GatewayUser', userSchema, 'gateway_users');
    this.usedRefresh =
      (db.models.GatewayUsedRefresh as Model<UsedRefreshDoc> | undefined) ??
      db.model('GatewayUsedRefresh', usedRefreshSchema, 'gateway_used_refresh_tokens');
  }

  /**
   * The user's current token version, or null when the user does not exist (deleted): a token of
   * another version, or of no user, is refused. Read on every token check, so kept for a second.
   */
  async tokenVersion(username: string): Promise<number | null> {
    const hit = this.versions.get(username);
    if (hit && this.now() - hit.at < VERSION_CACHE_MS) return hit.version;
    const user = await this.model.findOne({ username }, { token_version: 1 }).lean();
    const version = user ? (user.token_version ?? 0) : null;
    if (this.versions.size > 10_000) this.versions.clear();
    this.versions.set(username, { at: this.now(), version });
    return version;
  }

  /** True the first time a refresh token id is exchanged, false ever after (refresh tokens rotate). */
  async useRefreshToken(jti: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.usedRefresh.create({ _id: jti, expires_at: expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** A new password, and every token issued before it refused. False when there is no such user. */
  async setPassword(username: string, password: string): Promise<boolean> {
    const result = await this.model.updateOne(
      { username },
      { $set: { password_hash: await hashPassword(password), updated_at: new Date() }, $inc: { token_version: 1 } },
    );
    this.versions.delete(username);
    return result.matchedCount > 0;
  }

  /** Deletes the user; their tokens are refused from then on. False when there was no such user. */
  async remove(username: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ username });
    this.versions.delete(username);
    return deletedCount > 0;
  }

  async create(username: string, password: string): Promise<CreateUserResult> {
    await this.model.init(); // the unique index must exist before the insert relies on it
    const now = new Date();
    try {
      await this.model.create({
        username,
        password_hash: await hashPassword(password),
        created_at: now,
        updated_at: now,
      });
      return { outcome: 'created', username, created_at: now };
    } catch (err) {
      if (isDuplicateKey(err)) return { outcome: 'exists' };
      throw err;
    }
  }

  /** True when the user exists and the password matches; equally slow either way. */
  async verify(username: string, password: string): Promise<boolean> {
    const user = await this.model.findOne({ username }, { password_hash: 1 }).lean();
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    return ok && user !== null;
  }

  async exists(username: string): Promise<boolean> {
    return (await this.model.exists({ username })) !== null;
  }

  /**
   * `GATEWAY_USERS` is the source of truth for the users it names: a missing one is created, and a
   * stored password that differs from the variable's is replaced (rotating a password = changing the
   * variable and restarting). Users created through the API and not named there are left alone.
   */
  async seed(entries: readonly SeedUser[]): Promise<{ created: number; updated: number }> {
    let created = 0;
    let updated = 0;
    for (const { username, password } of entries) {
      const user = await this.model.findOne({ username }, { password_hash: 1 }).lean();
      if (!user) {
        if ((await this.create(username, password)).outcome === 'created') created++;
      } else if (!(await verifyPassword(password, user.password_hash))) {
        await this.setPassword(username, password);
        updated++;
      }
    }
    return { created, updated };
  }
}

export interface SeedUser {
  username: string;
  password: string;
}

/** `GATEWAY_USERS` entries (`name:password`, split at the first `:`); throws one readable line. */
export function parseSeedUsers(entries: readonly string[]): SeedUser[] {
  return entries.map((entry, i) => {
    const at = entry.indexOf(':');
    const username = at > 0 ? entry.slice(0, at) : '';
    const password = at > 0 ? entry.slice(at + 1) : '';
    const u = usernameSchema.safeParse(username);
    const p = passwordSchema.safeParse(password);
    if (!u.success || !p.success) {
      const why = !u.success ? `user name ${u.error.issues[0]?.message}` : `password ${p.error?.issues[0]?.message}`;
      throw new Error(`GATEWAY_USERS entry ${i + 1} is not name:password (${at > 0 ? why : 'no ":"'})`);
    }
    return { username: u.data, password: p.data };
  });
}
