import { randomBytes } from 'node:crypto';
import { NatterError } from '@natter/protocol';
import { describe, expect, it } from 'vitest';
import type { RoomStore } from '../src/store.ts';

/**
 * The RoomStore contract (src/store.ts), run against every implementation. Each test uses
 * its own name prefix, so implementations backed by one database can share it across tests.
 */
export function roomStoreContract(name: string, getStore: () => RoomStore): void {
  let prefixes = 0;
  /** A unique room-name prefix for one test, e.g. `k3f9a1-`. */
  const fresh = () => `${randomBytes(3).toString('hex')}${prefixes++}-`;

  async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, `expected a NatterError ${code}`).toBeInstanceOf(NatterError);
    expect((err as NatterError).code).toBe(code);
    if (message) expect((err as NatterError).message).toMatch(message);
  }

  describe(`RoomStore contract: ${name}`, () => {
    it('join creates a public room once and is idempotent', async () => {
      const store = getStore();
      const r = `${fresh()}general`;
      expect(await store.join(r, 'alice')).toMatchObject({ joined: true, created: true });
      expect(await store.join(r, 'alice')).toMatchObject({ joined: false, created: false });
      expect(await store.join(r, 'bob')).toMatchObject({ joined: true, created: false });
      expect(await store.roster(r)).toEqual({
        exists: true,
        private: false,
        members: ['alice', 'bob'],
        ver: expect.any(Number),
        owner: 'alice',
      });
    });

    it('roster of an unknown room says it does not exist', async () => {
      expect(await getStore().roster(`${fresh()}nowhere`)).toEqual({
        exists: false,
        private: false,
        members: [],
        ver: 0,
      });
    });

    it('roster lists members in byte order', async () => {
      const store = getStore();
      const r = `${fresh()}order`;
      for (const u of ['bob', 'Zed', 'alice', 'a.b', '_x']) await store.join(r, u);
      expect((await store.roster(r)).members).toEqual(['Zed', '_x', 'a.b', 'alice', 'bob']);
    });

    it('create makes the creator the only member; a taken name is a conflict', async () => {
      const store = getStore();
      const p = fresh();
      await store.create(`${p}ops`, 'alice', true);
      await store.create(`${p}pub`, 'alice', false);
      expect(await store.roster(`${p}ops`)).toEqual({
        exists: true,
        private: true,
        members: ['alice'],
        ver: expect.any(Number),
        owner: 'alice',
      });
      expect(await store.roster(`${p}pub`)).toMatchObject({
        exists: true,
        private: false,
        members: ['alice'],
        ver: expect.any(Number),
      });
      await rejects(store.create(`${p}ops`, 'bob', false), 'conflict', /already exists/);
      await store.join(`${p}joined`, 'carol');
      await rejects(store.create(`${p}joined`, 'carol', true), 'conflict');
      expect((await store.roster(`${p}ops`)).members).toEqual(['alice']);
    });

    it('a private room needs an invitation, which one join consumes', async () => {
      const store = getStore();
      const r = `${fresh()}ops`;
      await store.create(r, 'alice', true);
      await rejects(store.join(r, 'bob'), 'forbidden', /invitation/);
      await store.invite(r, 'alice', 'bob');
      expect(await store.join(r, 'bob')).toMatchObject({ joined: true, created: false });
      expect(await store.leave(r, 'bob')).toMatchObject({ left: true });
      await rejects(store.join(r, 'bob'), 'forbidden', /invitation/);
      expect((await store.roster(r)).members).toEqual(['alice']);
    });

    it('invite needs an existing room and an inviter who is a member', async () => {
      const store = getStore();
      const r = `${fresh()}ops`;
      await rejects(store.invite(r, 'alice', 'bob'), 'not_found');
      await store.create(r, 'alice', true);
      await rejects(store.invite(r, 'mallory', 'bob'), 'forbidden', /not a member/);
      await rejects(store.join(r, 'bob'), 'forbidden');
      // Inviting twice is fine; one join still consumes it.
      await store.invite(r, 'alice', 'bob');
      await store.invite(r, 'alice', 'bob');
      await store.join(r, 'bob');
      // The invitee, now a member, can invite in turn.
      await store.invite(r, 'bob', 'carol');
      expect(await store.join(r, 'carol')).toMatchObject({ joined: true, created: false });
    });

    it("lists a user's own unused invitations, newest first, and a decline drops one for good", async () => {
      const store = getStore();
      const p = fresh();
      await store.create(`${p}a`, 'alice', true);
      await store.create(`${p}b`, 'carol', false);
      expect(await store.invite(`${p}a`, 'alice', 'bob')).toEqual({ invited: true, private: true });
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.invite(`${p}b`, 'carol', 'bob')).toEqual({ invited: true, private: false });
      const mine = (await store.invites('bob', 200)).filter((i) => i.room.startsWith(p));
      expect(mine.map((i) => [i.room, i.by])).toEqual([
        [`${p}b`, 'carol'],
        [`${p}a`, 'alice'],
      ]);
      expect(Number.isNaN(Date.parse(mine[0]!.ts))).toBe(false);
      expect(await store.invites('bob', 1)).toHaveLength(1);
      // Only the invitee's: others have none of them.
      expect((await store.invites('alice', 200)).filter((i) => i.room.startsWith(p))).toEqual([]);
      await store.decline(`${p}a`, 'bob');
      await rejects(store.join(`${p}a`, 'bob'), 'forbidden', /invitation/);
      expect(
        (await store.invites('bob', 200)).filter((i) => i.room.startsWith(p)).map((i) => i.room),
      ).toEqual([`${p}b`]);
      // A join uses the invitation up: it is no longer listed.
      await store.join(`${p}b`, 'bob');
      expect((await store.invites('bob', 200)).filter((i) => i.room.startsWith(p))).toEqual([]);
      // Declining nothing, or a room that does not exist, is not an error.
      await store.decline(`${p}a`, 'bob');
      await store.decline(`${p}none`, 'bob');
      // Inviting a member records nothing and says so.
      expect(await store.invite(`${p}b`, 'carol', 'bob')).toEqual({ invited: false, private: false });
    });

    it('inviting a member records nothing', async () => {
      const store = getStore();
      const r = `${fresh()}ops`;
      await store.create(r, 'alice', true);
      await store.invite(r, 'alice', 'bob');
      await store.join(r, 'bob');
      await store.invite(r, 'alice', 'bob');
      await store.leave(r, 'bob');
      await rejects(store.join(r, 'bob'), 'forbidden');
    });

    it('leave is idempotent, needs an existing room, and keeps empty rooms', async () => {
      const store = getStore();
      const p = fresh();
      const r = `${p}room`;
      await rejects(store.leave(r, 'alice'), 'not_found');
      await store.join(r, 'alice');
      expect(await store.leave(r, 'bob')).toMatchObject({ left: false });
      expect(await store.leave(r, 'alice')).toMatchObject({ left: true });
      expect(await store.leave(r, 'alice')).toMatchObject({ left: false });
      expect(await store.roster(r)).toMatchObject({
        exists: true,
        private: false,
        members: [],
        ver: expect.any(Number),
      });
      expect(await store.listPublic(p, 10)).toMatchObject([{ room: r, private: false, members: 0 }]);
      expect(await store.listMine('alice')).not.toContainEqual(expect.objectContaining({ room: r }));
      // Rejoining an empty room does not create it again.
      expect(await store.join(r, 'alice')).toMatchObject({ joined: true, created: false });
    });

    it('every join and leave takes the room its next membership version; memberships reads them', async () => {
      const store = getStore();
      const p = fresh();
      const r = `${p}ver`;
      const a = await store.join(r, 'alice');
      const b = await store.join(r, 'bob');
      expect(b.ver).toBeGreaterThan(a.ver);
      expect((await store.join(r, 'bob')).ver).toBe(b.ver);
      const left = await store.leave(r, 'bob');
      expect(left).toMatchObject({ left: true });
      expect(left.ver).toBeGreaterThan(b.ver);
      expect(await store.leave(r, 'bob')).toEqual({ left: false, ver: left.ver });
      expect(
        await store.memberships([
          { room: r, user: 'alice' },
          { room: r, user: 'bob' },
          { room: `${p}nowhere`, user: 'alice' },
        ]),
      ).toEqual([
        { member: true, ver: left.ver },
        { member: false, ver: left.ver },
        { member: false, ver: 0 },
      ]);
      expect(await store.listMine('alice')).toContainEqual(
        expect.objectContaining({ room: r, ver: left.ver }),
      );
      expect(await store.memberships([])).toEqual([]);
    });

    it("listMine lists the rooms of a user with member counts and the user's role, by name", async () => {
      const store = getStore();
      const p = fresh();
      const user = `u${p}`;
      await store.join(`${p}b`, user);
      await store.join(`${p}b`, 'x');
      await store.create(`${p}a`, user, true);
      await store.join(`${p}c`, 'x');
      // The creator is the owner (until roles land), whoever joins later a member.
      expect(await store.listMine(user)).toMatchObject([
        { room: `${p}a`, private: true, members: 1, role: 'owner' },
        { room: `${p}b`, private: false, members: 2, role: 'owner' },
      ]);
      expect(await store.listMine('x')).toContainEqual(
        expect.objectContaining({ room: `${p}b`, role: 'member' }),
      );
      expect(
        (await store.listMineMany([user, 'x'])).map((l) => l.find((r) => r.room === `${p}b`)?.role),
      ).toEqual(['owner', 'member']);
      expect(await store.listMine(`nobody${p}`)).toEqual([]);
    });

    it('listPublic filters by a literal prefix, skips private rooms, sorts and limits', async () => {
      const store = getStore();
      const p = fresh();
      for (const r of ['gen', 'general', 'games', 'g_x', 'gzz', 'other'])
        await store.join(`${p}${r}`, 'alice');
      await store.join(`${p}general`, 'bob');
      await store.create(`${p}gsecret`, 'alice', true);
      const names = async (prefix: string, limit: number) =>
        (await store.listPublic(`${p}${prefix}`, limit)).map((r) => r.room.slice(p.length));
      expect(await names('g', 10)).toEqual(['g_x', 'games', 'gen', 'general', 'gzz']);
      expect(await names('ge', 10)).toEqual(['gen', 'general']);
      expect(await names('g', 2)).toEqual(['g_x', 'games']);
      // '_' and '%' are not wildcards.
      expect(await names('g_', 10)).toEqual(['g_x']);
      expect(await names('g%', 10)).toEqual([]);
      expect(await names('nope', 10)).toEqual([]);
      expect(await store.listPublic(`${p}general`, 10)).toMatchObject([
        { room: `${p}general`, private: false, members: 2 },
      ]);
      expect((await store.listPublic('', 1)).length).toBe(1);
    });

    it('the rooms-per-user limit stops join and create, but not a repeated join', async () => {
      const store = getStore();
      const p = fresh();
      const limits = { maxRoomsPerUser: 2, maxRoomMembers: 100 };
      // Users are shared across tests on one database; this one must be in no other room.
      const alice = `alice${p}`;
      await store.join(`${p}a`, alice, limits);
      await store.create(`${p}b`, alice, false, limits);
      await rejects(store.join(`${p}c`, alice, limits), 'forbidden', /rooms-per-user limit/);
      await rejects(store.create(`${p}d`, alice, true, limits), 'forbidden', /rooms-per-user limit/);
      // Nothing was created by the refused attempts.
      expect((await store.roster(`${p}c`)).exists).toBe(false);
      expect((await store.roster(`${p}d`)).exists).toBe(false);
      expect(await store.join(`${p}a`, alice, limits)).toMatchObject({ joined: false, created: false });
      await store.leave(`${p}a`, alice);
      expect(await store.join(`${p}c`, alice, limits)).toMatchObject({ joined: true, created: true });
    });

    it('the members-per-room limit stops joins, invited ones too', async () => {
      const store = getStore();
      const p = fresh();
      const limits = { maxRoomsPerUser: 100, maxRoomMembers: 2 };
      await store.join(`${p}pub`, 'a', limits);
      await store.join(`${p}pub`, 'b', limits);
      await rejects(store.join(`${p}pub`, 'c', limits), 'forbidden', /members-per-room limit/);
      await store.create(`${p}priv`, 'a', true, limits);
      await store.invite(`${p}priv`, 'a', 'b');
      await store.invite(`${p}priv`, 'a', 'c');
      await store.join(`${p}priv`, 'b', limits);
      await rejects(store.join(`${p}priv`, 'c', limits), 'forbidden', /members-per-room limit/);
      // The refused join kept its invitation.
      await store.leave(`${p}priv`, 'b');
      expect(await store.join(`${p}priv`, 'c', limits)).toMatchObject({ joined: true, created: false });
    });

    it('50 concurrent joins of a new room: one room, 50 members, exactly one created', async () => {
      const store = getStore();
      const p = fresh();
      const r = `${p}crowd`;
      const users = Array.from({ length: 50 }, (_, i) => `user${i}`);
      const results = await Promise.all(users.map((u) => store.join(r, u)));
      expect(results.filter((x) => x.created)).toHaveLength(1);
      expect(results.every((x) => x.joined)).toBe(true);
      const roster = await store.roster(r);
      expect(roster.members).toEqual([...users].sort());
      expect(await store.listPublic(p, 10)).toMatchObject([{ room: r, private: false, members: 50 }]);
    });

    it('concurrent joins and leaves keep member counts equal to the roster', async () => {
      const store = getStore();
      const p = fresh();
      const r = `${p}churn`;
      const first = Array.from({ length: 20 }, (_, i) => `a${i}`);
      for (const u of first) await store.join(r, u);
      const newcomers = Array.from({ length: 20 }, (_, i) => `b${i}`);
      await Promise.all([
        ...first.slice(0, 10).map((u) => store.leave(r, u)),
        ...newcomers.map((u) => store.join(r, u)),
        ...first.slice(10).map((u) => store.join(r, u)),
      ]);
      const roster = await store.roster(r);
      expect(roster.members).toHaveLength(30);
      expect(await store.listPublic(r, 1)).toMatchObject([{ room: r, private: false, members: 30 }]);
    });

    it('concurrent joins by one user respect the rooms-per-user limit', async () => {
      const store = getStore();
      const p = fresh();
      const limits = { maxRoomsPerUser: 3, maxRoomMembers: 100 };
      const alice = `alice${p}`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.join(`${p}r${i}`, alice, limits)),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      expect(await store.listMine(alice)).toHaveLength(3);
    });

    it('ping resolves while the backend is up', async () => {
      await expect(getStore().ping()).resolves.toBeUndefined();
    });
  });
}
