//! The device statements: bindings by account and uuid.

use sqlx::FromRow;

use super::{text::Text, SqlStore};
use crate::{
    domain::{model::Device, DeviceUuid},
    error::Result,
    rules::devices::store::{DeviceStore, NewDevice},
};

#[derive(FromRow)]
struct DeviceRow {
    uuid: Text,
    contact: Text,
    user_agent: Text,
    expires_at: i64,
    updated_at: i64,
}

impl From<DeviceRow> for Device {
    fn from(row: DeviceRow) -> Self {
        Self {
            uuid: row.uuid.0,
            contact: row.contact.0,
            user_agent: row.user_agent.0,
            expires_at: row.expires_at,
            updated_at: row.updated_at,
        }
    }
}

const DEVICE_COLUMNS: &str = "uuid, contact, user_agent, expires_at, updated_at";

impl DeviceStore for SqlStore {
    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn upsert_device(&self, account_id: i64, device: NewDevice<'_>) -> Result<Device> {
        let sql = self.sql(
            "INSERT INTO devices (account_id, uuid, contact, user_agent, expires_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (account_id, uuid) DO UPDATE SET contact = excluded.contact, \
             user_agent = excluded.user_agent, expires_at = excluded.expires_at, \
             updated_at = excluded.updated_at",
        );
        let select_sql =
            format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND uuid = $2");
        let select_sql = self.sql(&select_sql);
        // Not RETURNING (MySQL has none): the binding is read back by its
        // key in the same transaction.
        let row: DeviceRow = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(&sql)
                .bind(account_id)
                .bind(device.uuid.as_str())
                .bind(device.contact)
                .bind(device.user_agent)
                .bind(device.expires_at)
                .bind(device.updated_at)
                .execute(&mut *tx)
                .await?;
            let row = sqlx::query_as(&select_sql)
                .bind(account_id)
                .bind(device.uuid.as_str())
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn live_devices(&self, account_id: i64, now: i64) -> Result<Vec<Device>> {
        let sql = format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND expires_at > $2 ORDER BY uuid"
        );
        let sql = self.sql(&sql);
        let rows: Vec<DeviceRow> = on_pool!(self, read, pool => {
            sqlx::query_as(&sql).bind(account_id).bind(now).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Device::from).collect())
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn remove_device(&self, account_id: i64, uuid: &DeviceUuid, now: i64) -> Result<bool> {
        // An expired binding is deleted too, but reported absent: it was
        // already invisible to the account.
        let find_sql = format!(
            "SELECT expires_at FROM devices WHERE account_id = $1 AND uuid = $2{}",
            self.row_lock()
        );
        let find_sql = self.sql(&find_sql);
        let delete_sql = self.sql("DELETE FROM devices WHERE account_id = $1 AND uuid = $2");
        // Read (and locked) first: MySQL has no DELETE … RETURNING.
        let expires_at: Option<i64> = on_pool!(self, write, pool => {
            let mut tx = pool.begin().await?;
            let expires_at: Option<i64> = sqlx::query_scalar(&find_sql)
                .bind(account_id)
                .bind(uuid.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if expires_at.is_some() {
                sqlx::query(&delete_sql)
                    .bind(account_id)
                    .bind(uuid.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            expires_at
        });
        Ok(expires_at.is_some_and(|at| at > now))
    }

    #[tracing::instrument(skip_all, fields(db.system = self.system(), otel.kind = "client"))]
    async fn purge_devices(&self, now: i64) -> Result<u64> {
        let sql = self.sql("DELETE FROM devices WHERE expires_at <= $1");
        Ok(on_pool!(self, write, pool => {
            sqlx::query(&sql).bind(now).execute(pool).await?.rows_affected()
        }))
    }
}
