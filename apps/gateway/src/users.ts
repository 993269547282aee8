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
  created_at: Date;
  updated_at: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    username: { type: String, required: true, unique: true },
    password_hash: { type: String, required: true },
    created_at: { type: Date, required: true },
    updated_at: { type: Date, required: true },
  },
  { versionKey: false },
);

export type CreateUserResult = { outcome: 'created'; username: string; created_at: Date } | { outcome: 'exists' };

/** Gateway users (the Memphis "client" users that may get a JWT), passwords as scrypt hashes. */
export class GatewayUsers {
  private readonly model: Model<UserDoc>;

  constructor(db: Connection) {
    this.model =
      (db.models.GatewayUser as Model<UserDoc> | undefined) ?? db.model('GatewayUser', userSchema, 'gateway_users');
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
      if ((err as { code?: number }).code === 11000) return { outcome: 'exists' };
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
        await this.model.updateOne(
          { username },
          { $set: { password_hash: await hashPassword(password), updated_at: new Date() } },
        );
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
