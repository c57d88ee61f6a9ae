"""Subscriptions: which channels get a tip of the day, when, and who changed that (the audit log).

Every change takes `actor` (who asked: a platform user id, or 'mltip' for the bot itself) and
`now` (an aware datetime from the injected clock) and writes an audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, RowMapping, and_, delete, exists, false, select, update

from bot.core.cadence import Cadence
from bot.core.platform import Platform
from bot.core.weekdays import Weekdays
from bot.store.audit import AuditLog, audit_entries
from bot.store.db import insert_for, reading, writing
from bot.store.records import (
    AuditAction,
    AuditEntry,
    ChannelKey,
    Hold,
    PauseKind,
    Subscription,
    TargetKind,
    WorkspacePause,
    subscription_from_row,
)
from bot.store.settings_columns import SETTINGS, rule_asked_for, settings_columns
from bot.store.tables import subscriptions, workspace_pauses
from bot.store.workspace_cap import check_room, lock_workspace

S = subscriptions.c
HOLD_COLUMNS = {Hold.SKIP: "skip_date", Hold.PAUSE_UNTIL: "paused_until"}
HOLD_ACTIONS = {Hold.SKIP: AuditAction.SKIP, Hold.PAUSE_UNTIL: AuditAction.PAUSE_UNTIL}
INSERT_ATTEMPTS = 10  # each retry needs another subscribe and off of this channel in between


def _of(key: ChannelKey) -> Any:
    return and_(S.platform == key.platform.value, S.workspace_id == key.workspace_id, S.channel_id == key.channel_id)


def _identity(key: ChannelKey) -> dict[str, str]:
    return {"platform": key.platform.value, "workspace_id": key.workspace_id, "channel_id": key.channel_id}


def _existing(connection: Connection, key: ChannelKey) -> RowMapping | None:
    """The channel's row, locked until the transaction ends (a concurrent `off` waits for it)."""
    return connection.execute(select(subscriptions).where(_of(key)).with_for_update()).mappings().first()


def _insert(
    connection: Connection, key: ChannelKey, settings: dict[str, Any], actor: str, now: datetime
) -> RowMapping | None:
    """The new row, or None when the channel's row exists (a concurrent insert is waited for)."""
    values = {"paused": False, "created_by": actor, "created_at": now, "updated_by": actor, "updated_at": now}
    return (
        connection.execute(
            insert_for(connection, subscriptions)
            .values(**_identity(key), **values, **settings)
            .on_conflict_do_nothing(index_elements=["platform", "workspace_id", "channel_id"])
            .returning(*subscriptions.c)
        )
        .mappings()
        .first()
    )


def workspace_is_paused() -> Any:
    """SQL: the subscription's workspace has a pause (for queries over `subscriptions`)."""
    pauses = workspace_pauses.c
    return exists().where(pauses.platform == S.platform, pauses.workspace_id == S.workspace_id)


class Subscriptions:
    """Subscriptions, workspace pauses and the audit log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def subscribe(
        self,
        key: ChannelKey,
        *,
        local_time: time,
        timezone: str | ZoneInfo,
        weekdays: Weekdays | None = None,
        cadence: Cadence | None = None,
        topic: str | None = None,
        thread: bool = False,
        pin: bool = False,
        actor: str,
        actor_id: str | None = None,
        now: datetime,
        limit: int | None = None,
        kind: TargetKind = TargetKind.CHANNEL,
    ) -> Subscription:
        """Subscribe the channel, or change its settings: an upsert, so a repeat leaves one subscription.

        With `limit`, a channel not yet subscribed whose workspace already has `limit`
        subscriptions raises WorkspaceFull; a subscribed channel may always change its settings.

        Audited as SUBSCRIBE when created and CHANGE (with before/after) when settings changed; an
        identical repeat (a double click, a replayed request) changes nothing and is not audited.
        A paused subscription stays paused (resume() says so explicitly), and a skip or a pause
        until a date stays too. The dates come from `cadence`, or from `weekdays` alone. `kind` is
        fixed when the row is created: for a person, `key.channel_id` is their user id. `actor_id`,
        the platform id of who asked, is kept as whom to tell when the channel's tips are paused by an error.
        """
        rule = rule_asked_for(weekdays, cadence)
        settings = settings_columns(local_time, timezone, rule, topic, thread=thread, pin=pin)
        with writing(self._engine) as connection:
            log = AuditLog(connection, actor, now)
            if limit is not None:
                lock_workspace(connection, key)
            row = _existing(connection, key)
            for _ in range(INSERT_ATTEMPTS):
                if row is not None:
                    break
                if limit is not None:
                    check_room(connection, key, limit)
                extra = {"kind": kind.value, "set_by_user_id": actor_id}
                created = _insert(connection, key, {**settings, **extra}, actor, now)
                if created is not None:
                    log.channel(AuditAction.SUBSCRIBE, key, created["id"], settings)
                    return subscription_from_row(created)
                # A twin inserted the row after our SELECT (the insert waited for it to commit),
                # and a concurrent `off` may already have deleted it again: look once more.
                row = _existing(connection, key)
            if row is None:
                raise RuntimeError(f"{key} kept appearing and disappearing; gave up after {INSERT_ATTEMPTS} tries")
            before = {name: row[name] for name in SETTINGS}
            if before == settings:
                return subscription_from_row(row)
            mark = {"updated_by": actor, "updated_at": now, "set_by_user_id": actor_id or row["set_by_user_id"]}
            connection.execute(update(subscriptions).where(S.id == row["id"]).values(**mark, **settings))
            changed = [name for name in SETTINGS if before[name] != settings[name]]
            details = {"before": {n: before[n] for n in changed}, "after": {n: settings[n] for n in changed}}
            log.channel(AuditAction.CHANGE, key, row["id"], details)
            fresh = connection.execute(select(subscriptions).where(S.id == row["id"])).mappings().one()
            return subscription_from_row(fresh)

    def unsubscribe(self, key: ChannelKey, *, actor: str, now: datetime) -> bool:
        """Stop the channel's tips; its deck and ledger go too. False when it was not subscribed."""
        with writing(self._engine) as connection:
            row = connection.execute(delete(subscriptions).where(_of(key)).returning(subscriptions)).mappings().first()
            if row is None:
                return False
            details = {"subscription_id": row["id"], **{name: row[name] for name in SETTINGS}}
            AuditLog(connection, actor, now).channel(AuditAction.UNSUBSCRIBE, key, None, details)
            return True

    def _set_paused(
        self, key: ChannelKey, *, kind: PauseKind | None, reason: str | None, actor: str, now: datetime
    ) -> Subscription | None:
        paused = kind is not None
        stored_kind = None if kind is None else kind.value
        with writing(self._engine) as connection:
            row = connection.execute(select(subscriptions).where(_of(key)).with_for_update()).mappings().first()
            if row is None:
                return None
            # Resuming also ends a pause until a date: someone wants the posts back now.
            cleared = {} if paused else {"paused_until": None}
            if (bool(row["paused"]), row["pause_kind"], row["pause_reason"]) == (paused, stored_kind, reason) and all(
                row[name] == value for name, value in cleared.items()
            ):
                return subscription_from_row(row)  # already so: repeated failures must not flood the audit log
            connection.execute(
                update(subscriptions)
                .where(S.id == row["id"])
                .values(
                    paused=paused,
                    pause_kind=stored_kind,
                    pause_reason=reason,
                    updated_by=actor,
                    updated_at=now,
                    pause_notice_at=None,  # a new pause (or a resume) may be told of again
                    **cleared,
                )
            )
            action = AuditAction.PAUSE if paused else AuditAction.RESUME
            details = {"kind": stored_kind, "reason": reason} if paused else {}
            AuditLog(connection, actor, now).channel(action, key, row["id"], details)
            fresh = connection.execute(select(subscriptions).where(S.id == row["id"])).mappings().one()
            return subscription_from_row(fresh)

    def pause(
        self, key: ChannelKey, *, kind: PauseKind, reason: str | None = None, actor: str, now: datetime
    ) -> Subscription | None:
        """Stop posting to the channel until resumed: by a person (a note), or the bot on a channel error."""
        return self._set_paused(key, kind=kind, reason=reason, actor=actor, now=now)

    def resume(self, key: ChannelKey, *, actor: str, now: datetime) -> Subscription | None:
        """Post to the channel again; None when it is not subscribed."""
        return self._set_paused(key, kind=None, reason=None, actor=actor, now=now)

    def hold(self, key: ChannelKey, hold: Hold, day: date | None, *, actor: str, now: datetime) -> Subscription | None:
        """Set (or with None clear) a hold on the rule's dates: the date `skip next` skips, or the
        date `pause until` resumes on. None when the channel is not subscribed; a repeat is not audited.
        """
        column = HOLD_COLUMNS[hold]
        with writing(self._engine) as connection:
            row = _existing(connection, key)
            if row is None:
                return None
            if row[column] == day:
                return subscription_from_row(row)
            connection.execute(
                update(subscriptions).where(S.id == row["id"]).values(updated_by=actor, updated_at=now, **{column: day})
            )
            details = {"before": row[column], "after": day}
            AuditLog(connection, actor, now).channel(HOLD_ACTIONS[hold], key, row["id"], details)
            fresh = connection.execute(select(subscriptions).where(S.id == row["id"])).mappings().one()
            return subscription_from_row(fresh)

    def get(self, key: ChannelKey) -> Subscription | None:
        """The channel's subscription, if any."""
        with reading(self._engine) as connection:
            row = connection.execute(select(subscriptions).where(_of(key))).mappings().first()
        return None if row is None else subscription_from_row(row)

    def by_id(self, subscription_id: int) -> Subscription | None:
        """A subscription by its id, if it still exists."""
        with reading(self._engine) as connection:
            row = connection.execute(select(subscriptions).where(S.id == subscription_id)).mappings().first()
        return None if row is None else subscription_from_row(row)

    def active(self, platforms: Collection[Platform] | None = None) -> list[Subscription]:
        """Subscriptions that may post: not paused, in a workspace that is not paused; by id."""
        query = select(subscriptions).where(S.paused.is_(false()), ~workspace_is_paused()).order_by(S.id)
        if platforms is not None:
            query = query.where(S.platform.in_([p.value for p in platforms]))
        with reading(self._engine) as connection:
            return [subscription_from_row(row) for row in connection.execute(query).mappings()]

    def in_workspace(self, platform: Platform, workspace_id: str) -> list[Subscription]:
        """A workspace's channel subscriptions, paused ones too, by channel id (for its admins' overview).

        People's own tips are theirs alone: not listed.
        """
        query = select(subscriptions).where(
            S.platform == platform.value, S.workspace_id == workspace_id, S.kind == TargetKind.CHANNEL.value
        )
        with reading(self._engine) as connection:
            return [subscription_from_row(row) for row in connection.execute(query.order_by(S.channel_id)).mappings()]

    def pause_workspace(self, platform: Platform, workspace_id: str, *, reason: str, actor: str, now: datetime) -> bool:
        """Stop posting anywhere in a workspace or guild (its install is revoked); False if already paused."""
        with writing(self._engine) as connection:
            added = connection.execute(
                insert_for(connection, workspace_pauses)
                .values(platform=platform.value, workspace_id=workspace_id, reason=reason, at=now)
                .on_conflict_do_nothing(index_elements=["platform", "workspace_id"])
                .returning(workspace_pauses.c.platform)
            ).first()
            if added is not None:
                log = AuditLog(connection, actor, now)
                log.workspace(AuditAction.PAUSE_WORKSPACE, platform, workspace_id, {"reason": reason})
            return added is not None

    def resume_workspace(self, platform: Platform, workspace_id: str, *, actor: str, now: datetime) -> bool:
        """Lift a workspace pause (the app was reinstalled); False if it was not paused."""
        pauses = workspace_pauses.c
        with writing(self._engine) as connection:
            gone = connection.execute(
                delete(workspace_pauses)
                .where(pauses.platform == platform.value, pauses.workspace_id == workspace_id)
                .returning(pauses.reason)
            ).first()
            if gone is not None:
                AuditLog(connection, actor, now).workspace(AuditAction.RESUME_WORKSPACE, platform, workspace_id, {})
            return gone is not None

    def workspace_pause(self, platform: Platform, workspace_id: str) -> WorkspacePause | None:
        """Why a workspace is paused, or None."""
        pauses = workspace_pauses.c
        with reading(self._engine) as connection:
            row = connection.execute(
                select(workspace_pauses).where(pauses.platform == platform.value, pauses.workspace_id == workspace_id)
            ).first()
        if row is None:
            return None
        return WorkspacePause(platform=platform, workspace_id=workspace_id, reason=row.reason, at=row.at)

    def remove_workspace(self, platform: Platform, workspace_id: str, *, actor: str, now: datetime) -> int:
        """Forget a workspace (app uninstalled, bot left the guild): its subscriptions and pause; returns how many."""
        pauses = workspace_pauses.c
        with writing(self._engine) as connection:
            removed = connection.execute(
                delete(subscriptions)
                .where(S.platform == platform.value, S.workspace_id == workspace_id)
                .returning(S.id, S.channel_id)
            ).all()
            connection.execute(
                delete(workspace_pauses).where(pauses.platform == platform.value, pauses.workspace_id == workspace_id)
            )
            details = {"channels": sorted(row.channel_id for row in removed)}
            AuditLog(connection, actor, now).workspace(AuditAction.REMOVE_WORKSPACE, platform, workspace_id, details)
            return len(removed)

    def audit(
        self, platform: Platform, workspace_id: str, channel_id: str | None = None, limit: int = 50
    ) -> list[AuditEntry]:
        """A workspace's audit rows (or one channel's), newest first."""
        with reading(self._engine) as connection:
            return audit_entries(connection, platform, workspace_id, channel_id, limit)
