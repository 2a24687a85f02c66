//! The call statements of [`super::statistics`]: a call and its devices,
//! written in one transaction and read back by their id.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    error::{CoreError, Result},
    rules::statistics::{
        fields::{Address, TerminatedState},
        store::{Call, CallDevice, NewCall, StoredCall, StoredCallDevice, Window},
    },
};

const CALL_COLUMNS: &str = "id, sip_call_id, from_username, from_domain, to_username, \
    to_domain, initiated_at, ended_at, conference_id, created_at, updated_at";
const DEVICE_COLUMNS: &str = "call_id, device_id, rang_at, invite_terminated_at, \
    invite_terminated_state, created_at, updated_at";
/// The calls from or to one address.
const OF_ADDRESS: &str = "(from_username = $1 AND from_domain = $2) \
    OR (to_username = $3 AND to_domain = $4)";

/// A device's state merged into the stored one: a value left out (NULL)
/// keeps what is there, and a device seen again is not a new one.
const UPSERT_DEVICE: &str = "INSERT INTO statistics_call_devices (call_id, device_id, rang_at, \
    invite_terminated_at, invite_terminated_state, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (call_id, device_id) DO UPDATE SET \
    rang_at = COALESCE(excluded.rang_at, statistics_call_devices.rang_at), \
    invite_terminated_at = COALESCE(excluded.invite_terminated_at, \
    statistics_call_devices.invite_terminated_at), \
    invite_terminated_state = COALESCE(excluded.invite_terminated_state, \
    statistics_call_devices.invite_terminated_state), \
    updated_at = excluded.updated_at";

#[derive(FromRow)]
struct CallRow {
    id: Text,
    sip_call_id: Option<Text>,
    from_username: Text,
    from_domain: Text,
    to_username: Text,
    to_domain: Text,
    initiated_at: i64,
    ended_at: Option<i64>,
    conference_id: Option<Text>,
    created_at: i64,
    updated_at: i64,
}

#[derive(FromRow)]
struct DeviceRow {
    call_id: Text,
    device_id: Text,
    rang_at: Option<i64>,
    invite_terminated_at: Option<i64>,
    invite_terminated_state: Option<Text>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<DeviceRow> for StoredCallDevice {
    type Error = CoreError;

    fn try_from(row: DeviceRow) -> Result<Self> {
        let terminated = match (row.invite_terminated_at, row.invite_terminated_state) {
            (Some(at), Some(state)) => {
                let parsed = TerminatedState::from_stored(&state.0).ok_or_else(|| {
                    anyhow::anyhow!("statistics_call_devices holds the state {:?}", state.0)
                })?;
                Some((at, parsed))
            }
            _ => None,
        };
        Ok(Self {
            device: CallDevice {
                device_id: row.device_id.0,
                rang_at: row.rang_at,
                terminated,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn stored(row: CallRow, devices: Vec<StoredCallDevice>) -> StoredCall {
    StoredCall {
        call: Call {
            id: row.id.0,
            sip_call_id: row.sip_call_id.map(String::from),
            from: Address {
                username: row.from_username.0,
                domain: row.from_domain.0,
            },
            to: Address {
                username: row.to_username.0,
                domain: row.to_domain.0,
            },
            initiated_at: row.initiated_at,
            ended_at: row.ended_at,
            conference_id: row.conference_id.map(String::from),
        },
        devices,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

impl SqlStore {
    pub(super) async fn upsert_call(&self, new: &NewCall, now: i64) -> Result<()> {
        let call_sql = self.sql(
            "INSERT INTO statistics_calls (id, sip_call_id, from_username, from_domain, \
             to_username, to_domain, initiated_at, ended_at, conference_id, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET sip_call_id = excluded.sip_call_id, \
             from_username = excluded.from_username, from_domain = excluded.from_domain, \
             to_username = excluded.to_username, to_domain = excluded.to_domain, \
             initiated_at = excluded.initiated_at, ended_at = excluded.ended_at, \
             conference_id = excluded.conference_id, updated_at = excluded.updated_at",
        );
        let device_sql = self.sql(UPSERT_DEVICE);
        let call = &new.call;
        on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&call_sql)
                .bind(call.id.as_str())
                .bind(call.sip_call_id.as_deref())
                .bind(call.from.username.as_str())
                .bind(call.from.domain.as_str())
                .bind(call.to.username.as_str())
                .bind(call.to.domain.as_str())
                .bind(call.initiated_at)
                .bind(call.ended_at)
                .bind(call.conference_id.as_deref())
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for device in &new.devices {
                let (at, state) = split(device);
                sqlx::query(&device_sql)
                    .bind(call.id.as_str())
                    .bind(device.device_id.as_str())
                    .bind(device.rang_at)
                    .bind(at)
                    .bind(state)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// False when no call has this id.
    pub(super) async fn upsert_call_device(
        &self,
        call_id: &str,
        device: &CallDevice,
        now: i64,
    ) -> Result<bool> {
        let exists_sql = format!(
            "SELECT id FROM statistics_calls WHERE id = $1{}",
            self.row_lock()
        );
        let (exists_sql, device_sql) = (self.sql(&exists_sql), self.sql(UPSERT_DEVICE));
        let (at, state) = split(device);
        Ok(on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            // Locked, so a purge cannot take the call away in between.
            let exists: Option<Text> = sqlx::query_scalar(&exists_sql)
                .bind(call_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_some() {
                sqlx::query(&device_sql)
                    .bind(call_id)
                    .bind(device.device_id.as_str())
                    .bind(device.rang_at)
                    .bind(at)
                    .bind(state)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            exists.is_some()
        }))
    }

    pub(super) async fn call_by_id(&self, id: &str) -> Result<Option<StoredCall>> {
        let sql = format!("SELECT {CALL_COLUMNS} FROM statistics_calls WHERE id = $1");
        let sql = self.sql(&sql);
        let row: Option<CallRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        match row {
            None => Ok(None),
            Some(row) => Ok(self.with_devices(vec![row]).await?.pop()),
        }
    }

    pub(super) async fn calls_page(
        &self,
        address: &Address,
        window: Window,
    ) -> Result<(Vec<StoredCall>, i64)> {
        let order = "initiated_at DESC, id DESC";
        let (rows, total) = self
            .address_page(
                "statistics_calls",
                CALL_COLUMNS,
                OF_ADDRESS,
                order,
                address,
                window,
            )
            .await?;
        Ok((self.with_devices(rows).await?, total))
    }

    /// The calls of `rows`, in their order, each with its devices.
    async fn with_devices(&self, rows: Vec<CallRow>) -> Result<Vec<StoredCall>> {
        let ids: Vec<&str> = rows.iter().map(|row| row.id.0.as_str()).collect();
        let devices: Vec<DeviceRow> = self
            .rows_of(
                "statistics_call_devices",
                DEVICE_COLUMNS,
                "call_id",
                "call_id, device_id",
                &ids,
            )
            .await?;
        let mut calls: Vec<StoredCall> = rows
            .into_iter()
            .map(|row| stored(row, Vec::new()))
            .collect();
        for device in devices {
            let call_id = device.call_id.0.clone();
            if let Some(call) = calls.iter_mut().find(|c| c.call.id == call_id) {
                call.devices.push(StoredCallDevice::try_from(device)?);
            }
        }
        Ok(calls)
    }
}

/// A terminated INVITE's two columns.
fn split(device: &CallDevice) -> (Option<i64>, Option<&'static str>) {
    match device.terminated {
        Some((at, state)) => (Some(at), Some(state.as_str())),
        None => (None, None),
    }
}
