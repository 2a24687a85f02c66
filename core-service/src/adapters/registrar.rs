//! Flexisip's registrar in Redis as the source of devices
//! (`--registrar-redis-url`): one hash `fs:<user>@<domain>` per address,
//! one field per binding, each value parsed by `flexisip-registrar`.
//!
//! Removing a binding is what FlexiAPI does: `HDEL` then `PUBLISH <aor> ""`,
//! so Flexisip routes no more calls to it and reg-event subscribers learn it.
//! The connection is made lazily and again after any failure, so the core
//! starts and serves SIP authentication while Redis is down; device calls
//! are UNAVAILABLE meanwhile.

use std::{collections::HashMap, time::Duration};

use anyhow::Context as _;
use flexisip_registrar::Binding;
use redis::{aio::ConnectionManager, AsyncCommands as _, Client};

use crate::{
    domain::model::Device,
    error::{CoreError, Result},
    rules::devices::Registrar,
};

/// How long connecting and each command may take before the call is
/// UNAVAILABLE: a registrar that does not answer must not hold a request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct RedisRegistrar {
    client: Client,
    connection: ConnectionManager,
}

impl std::fmt::Debug for RedisRegistrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.write_str("Registrar(redis)")
    }
}

impl RedisRegistrar {
    /// Checks the URL now; connects at the first call.
    pub fn connect(url: &str) -> anyhow::Result<Self> {
        let client = Client::open(url).map_err(|error| {
            // Its message may quote the URL, password included.
            anyhow::anyhow!(
                "--registrar-redis-url / FLEXIAPI_REGISTRAR_REDIS_URL is not a redis:// or rediss:// URL ({:?})",
                error.kind()
            )
        })?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .context("cannot set up the registrar's Redis connection")?;
        Ok(Self { client, connection })
    }

    /// Whether Redis answers a PING.
    pub async fn ping(&self) -> bool {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .is_ok()
    }

    /// The live bindings of `aor` (`user@domain`), by uuid. A value that
    /// does not parse is left out and logged by key and field, never by
    /// value (it holds push tokens).
    pub async fn devices(&self, aor: &str, now: i64) -> Result<Vec<Device>> {
        let mut devices: Vec<Device> = self
            .live_bindings(aor, now)
            .await?
            .into_iter()
            .map(|(_, binding)| device_of(binding))
            .collect();
        devices.sort_by(|a, b| a.uuid.cmp(&b.uuid));
        Ok(devices)
    }

    /// Flexisip's publishes for `aor` (one after each REGISTER, ours after
    /// each removal), on a connection of their own.
    pub async fn changes(&self, aor: &str) -> Result<redis::aio::PubSubStream> {
        let connect = self.client.get_async_pubsub();
        let mut pubsub = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| CoreError::RegistrarUnavailable("connect timed out".into()))?
            .map_err(unavailable)?;
        pubsub.subscribe(aor).await.map_err(unavailable)?;
        Ok(pubsub.into_on_message())
    }

    async fn live_bindings(&self, aor: &str, now: i64) -> Result<Vec<(String, Binding)>> {
        let key = key_of(aor);
        let mut connection = self.connection.clone();
        let fields: HashMap<String, String> =
            connection.hgetall(&key).await.map_err(unavailable)?;
        let mut live = Vec::with_capacity(fields.len());
        for (field, value) in fields {
            match flexisip_registrar::parse(&field, &value) {
                Ok(binding) if binding.is_live(now) => live.push((field, binding)),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%key, %field, %error, "registrar binding unreadable; left out");
                }
            }
        }
        Ok(live)
    }
}

impl Registrar for RedisRegistrar {
    /// Removes the live binding whose uuid is `uuid`; false when there is
    /// none (absent, expired, or removed meanwhile).
    async fn remove(&self, aor: &str, uuid: &str, now: i64) -> Result<bool> {
        let found = self
            .live_bindings(aor, now)
            .await?
            .into_iter()
            .find(|(_, binding)| binding.uuid == uuid);
        let Some((field, _)) = found else {
            return Ok(false);
        };
        let mut connection = self.connection.clone();
        let removed: usize = connection
            .hdel(key_of(aor), &field)
            .await
            .map_err(unavailable)?;
        if removed == 0 {
            return Ok(false);
        }
        // Flexisip caches no bindings; the publish tells reg-event
        // subscribers (and our watchers) that the address changed.
        let _: usize = connection.publish(aor, "").await.map_err(unavailable)?;
        tracing::info!(key = %key_of(aor), %field, "binding removed from the registrar");
        Ok(true)
    }
}

/// Flexisip's key of an address of record.
fn key_of(aor: &str) -> String {
    format!("fs:{aor}")
}

fn device_of(binding: Binding) -> Device {
    Device {
        uuid: binding.uuid,
        contact: binding.contact,
        user_agent: binding.user_agent,
        expires_at: binding.expires_at,
        updated_at: binding.updated_at,
    }
}

fn unavailable(error: redis::RedisError) -> CoreError {
    CoreError::RegistrarUnavailable(Box::new(RegistrarDown(error.kind())))
}

/// A Redis failure without its text, which may quote a URL or a value.
#[derive(Debug)]
struct RegistrarDown(redis::ErrorKind);

impl std::fmt::Display for RegistrarDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "registrar unreachable ({:?})", self.0)
    }
}

impl std::error::Error for RegistrarDown {}
