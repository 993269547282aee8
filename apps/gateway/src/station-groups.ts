import { isDuplicateKey } from '@hookline/runtime';
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';

interface GroupDoc {
  _id: string; // `<station>/<group>`
  station: string;
  created_at: Date;
}

const groupSchema = new Schema<GroupDoc>(
  {
    _id: { type: String, required: true },
    station: { type: String, required: true, index: true },
    created_at: { type: Date, required: true },
  },
  { versionKey: false },
);

/**
 * The consumer groups of each station, in MongoDB so every gateway replica counts the same ones
 * (MAX_GROUPS_PER_STATION). Counted before a new group is recorded: replicas creating groups of one
 * station at the same instant may go a few over the limit, never without bound.
 */
export class StationGroups {
  private readonly model: Model<GroupDoc>;

  constructor(
    db: Connection,
    readonly max: number,
  ) {
    this.model =
      (db.models.GatewayStationGroup as Model<GroupDoc> | undefined) ??
      db.model('GatewayStationGroup', groupSchema, 'gateway_station_groups');
  }

  /** True when the group exists or was just recorded; false when the station has `max` groups already. */
  async admit(station: string, group: string): Promise<boolean> {
    const _id = `${station}/${group}`;
    if (await this.model.exists({ _id })) return true;
    if ((await this.model.countDocuments({ station })) >= this.max) return false;
    try {
      await this.model.create({ _id, station, created_at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return true;
  }
}
