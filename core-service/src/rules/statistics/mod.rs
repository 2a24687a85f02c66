//! Statistics (contract part 6 §3): the calls and messages Flexisip's
//! event-log writer reports, merged as its updates come, and read back by
//! the account they concern or an admin of its domain. Recording is for
//! super admins only: a record names users of every domain. Flexisip
//! queues an id's updates until its POST is answered and drops them only
//! on a transport error, so a POST of a known id updates it (never an
//! error) and an update keeps every field it does not carry.

use crate::{
    domain::model::Account,
    error::{CoreError, Result},
    rules::accounts::{
        manage::page_bounds,
        roles::{Actor, UNAUTHORIZED_AREA},
    },
};
use fields::{Address, TerminatedState};
use store::{
    Call, CallDevice, MessageDevice, NewCall, NewMessage, StatisticsStore, StoredCall,
    StoredMessage, Window,
};

pub mod fields;
pub mod store;

pub const CALL_NOT_FOUND: &str = "Call not found";
pub const MESSAGE_NOT_FOUND: &str = "Message not found";
/// FlexiAPI's page size for statistics.
pub const DEFAULT_PER_PAGE: i64 = 30;

/// A device of a call as received: text, checked here.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallDeviceInput<'a> {
    pub device_id: &'a str,
    pub rang_at: Option<&'a str>,
    pub terminated_at: Option<&'a str>,
    pub terminated_state: Option<&'a str>,
}

#[derive(Debug, Default)]
pub struct CallInput<'a> {
    pub id: &'a str,
    pub sip_call_id: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub initiated_at: &'a str,
    pub ended_at: Option<&'a str>,
    pub conference_id: Option<&'a str>,
    pub devices: Vec<CallDeviceInput<'a>>,
}

/// A recipient's device as received.
#[derive(Debug, Default, Clone, Copy)]
pub struct MessageDeviceInput<'a> {
    pub to: &'a str,
    pub device_id: &'a str,
    pub last_status: Option<i64>,
    pub received_at: Option<&'a str>,
}

#[derive(Debug, Default)]
pub struct MessageInput<'a> {
    pub id: &'a str,
    pub from: &'a str,
    pub sent_at: &'a str,
    pub encrypted: bool,
    pub conference_id: Option<&'a str>,
    pub devices: Vec<MessageDeviceInput<'a>>,
}

/// Keeps every refusal, so that one answer names each broken field.
#[derive(Default)]
struct Checks(Vec<Option<CoreError>>);

impl Checks {
    fn take<T>(&mut self, checked: Result<T>) -> Option<T> {
        checked.map_err(|e| self.0.push(Some(e))).ok()
    }

    fn finish<T>(self, value: Option<T>) -> Result<T> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(CoreError::merge(self.0)),
        }
    }
}

/// Only a super admin records: Flexisip's key is one.
pub fn may_record(actor: &Actor) -> Result<()> {
    if actor.account.admin && actor.account.super_admin {
        Ok(())
    } else {
        Err(CoreError::PermissionDenied(UNAUTHORIZED_AREA))
    }
}

/// A call device's fields, named under `prefix` (`devices.<id>.` in a
/// call, nothing in a device update).
fn call_device(checks: &mut Checks, prefix: &str, input: CallDeviceInput) -> Option<CallDevice> {
    let name = |field: &str| format!("{prefix}{field}");
    let rang_at = input
        .rang_at
        .map(|raw| checks.take(fields::time(name("rang_at"), raw)));
    let terminated = match (input.terminated_at, input.terminated_state) {
        (None, None) => Some(None),
        (Some(at), Some(state)) => {
            let at = checks.take(fields::time(name("invite_terminated.at"), at));
            let state = checks.take(TerminatedState::parse(
                name("invite_terminated.state"),
                state,
            ));
            at.zip(state).map(Some)
        }
        (Some(_), None) => checks.take(Err(required_with(&name, "state", "at"))),
        (None, Some(_)) => checks.take(Err(required_with(&name, "at", "state"))),
    };
    let device_id = if prefix.is_empty() {
        checks.take(fields::device_id("device_id", input.device_id))
    } else {
        checks.take(fields::device_id("devices", input.device_id))
    };
    Some(CallDevice {
        device_id: device_id?,
        rang_at: rang_at.map_or(Some(None), |t| t.map(Some))?,
        terminated: terminated?,
    })
}

fn required_with(name: &dyn Fn(&str) -> String, missing: &str, present: &str) -> CoreError {
    let field = name(&format!("invite_terminated.{missing}"));
    let message =
        format!("The {field} field is required when invite_terminated.{present} is present.");
    CoreError::invalid(field, message)
}

fn call(input: &CallInput) -> Result<NewCall> {
    let mut checks = Checks::default();
    let id = checks.take(fields::id("id", input.id));
    let sip_call_id = checks.take(fields::text("sip_call_id", input.sip_call_id));
    let from = checks.take(Address::parse("from", input.from));
    let to = checks.take(Address::parse("to", input.to));
    let initiated_at = checks.take(fields::time("initiated_at", input.initiated_at));
    let ended_at = match input.ended_at {
        Some(raw) => checks.take(fields::time("ended_at", raw)).map(Some),
        None => Some(None),
    };
    let conference_id = checks.take(fields::text("conference_id", input.conference_id));
    let devices: Vec<Option<CallDevice>> = input
        .devices
        .iter()
        .map(|d| call_device(&mut checks, &format!("devices.{}.", d.device_id), *d))
        .collect();
    let devices: Option<Vec<CallDevice>> = devices.into_iter().collect();
    let call = (|| {
        Some(NewCall {
            call: Call {
                id: id?,
                sip_call_id: sip_call_id?,
                from: from?,
                to: to?,
                initiated_at: initiated_at?,
                ended_at: ended_at?,
                conference_id: conference_id?,
            },
            devices: devices?,
        })
    })();
    checks.finish(call)
}

/// Creates the call, or updates the one Flexisip posted before.
pub async fn record_call(
    store: &impl StatisticsStore,
    actor: &Actor,
    input: &CallInput<'_>,
    now: i64,
) -> Result<StoredCall> {
    may_record(actor)?;
    store.record_call(&call(input)?, now).await
}

pub async fn end_call(
    store: &impl StatisticsStore,
    actor: &Actor,
    id: &str,
    ended_at: &str,
    now: i64,
) -> Result<StoredCall> {
    may_record(actor)?;
    let ended_at = fields::time("ended_at", ended_at)?;
    store
        .end_call(id, ended_at, now)
        .await?
        .ok_or(CoreError::Missing(CALL_NOT_FOUND))
}

/// What one device of a call did: merged into what is known of it.
pub async fn record_call_device(
    store: &impl StatisticsStore,
    actor: &Actor,
    call_id: &str,
    device: CallDeviceInput<'_>,
    now: i64,
) -> Result<StoredCall> {
    may_record(actor)?;
    let mut checks = Checks::default();
    let device = call_device(&mut checks, "", device);
    let device = checks.finish(device)?;
    store
        .record_call_device(call_id, &device, now)
        .await?
        .ok_or(CoreError::Missing(CALL_NOT_FOUND))
}

/// A recipient device's fields; `prefix` names them as in [`call_device`].
fn message_device(
    checks: &mut Checks,
    prefix: &str,
    input: MessageDeviceInput,
) -> Option<MessageDevice> {
    let name = |field: &str| format!("{prefix}{field}");
    let in_body = !prefix.is_empty();
    let to = checks.take(Address::parse("to", input.to));
    let device_field = if in_body { "to" } else { "device_id" };
    let device_id = checks.take(fields::device_id(device_field, input.device_id));
    let required = |field: String| {
        let message = format!("The {} field is required.", field.replace('_', " "));
        CoreError::invalid(field, message)
    };
    let answer = match (input.last_status, input.received_at) {
        (None, None) if in_body => Some(None),
        (status, at) => {
            let status = checks.take(status.ok_or_else(|| required(name("last_status"))));
            let at = at
                .ok_or_else(|| required(name("received_at")))
                .and_then(|raw| fields::time(name("received_at"), raw));
            status.zip(checks.take(at)).map(Some)
        }
    };
    Some(MessageDevice {
        to: to?,
        device_id: device_id?,
        answer: answer?,
    })
}

fn message(input: &MessageInput) -> Result<NewMessage> {
    let mut checks = Checks::default();
    let id = checks.take(fields::id("id", input.id));
    let from = checks.take(Address::parse("from", input.from));
    let sent_at = checks.take(fields::time("sent_at", input.sent_at));
    let conference_id = checks.take(fields::text("conference_id", input.conference_id));
    let devices: Vec<Option<MessageDevice>> = input
        .devices
        .iter()
        .map(|d| {
            let prefix = format!("to.{}.{}.", d.to, d.device_id);
            message_device(&mut checks, &prefix, *d)
        })
        .collect();
    let devices: Option<Vec<MessageDevice>> = devices.into_iter().collect();
    let message = (|| {
        Some(NewMessage {
            id: id?,
            from: from?,
            sent_at: sent_at?,
            encrypted: input.encrypted,
            conference_id: conference_id?,
            devices: devices?,
        })
    })();
    checks.finish(message)
}

pub async fn record_message(
    store: &impl StatisticsStore,
    actor: &Actor,
    input: &MessageInput<'_>,
    now: i64,
) -> Result<StoredMessage> {
    may_record(actor)?;
    store.record_message(&message(input)?, now).await
}

/// A recipient device's answer to a message.
pub async fn record_message_device(
    store: &impl StatisticsStore,
    actor: &Actor,
    message_id: &str,
    device: MessageDeviceInput<'_>,
    now: i64,
) -> Result<StoredMessage> {
    may_record(actor)?;
    let mut checks = Checks::default();
    let device = message_device(&mut checks, "", device);
    let device = checks.finish(device)?;
    store
        .record_message_device(message_id, &device, now)
        .await?
        .ok_or(CoreError::Missing(MESSAGE_NOT_FOUND))
}

/// A page of `owner`'s records: the page, its size, its window.
pub fn window(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64, Window)> {
    let (page, per_page) = page_bounds(page, per_page, DEFAULT_PER_PAGE)?;
    let window = Window {
        offset: (page - 1) * per_page,
        limit: per_page,
    };
    Ok((page, per_page, window))
}

/// The account's own address, as records name it.
fn address_of(account: &Account) -> Address {
    Address {
        username: account.username.clone(),
        domain: account.domain.to_ascii_lowercase(),
    }
}

/// The calls from or to `owner`, newest first, and their number.
pub async fn calls_of(
    store: &impl StatisticsStore,
    owner: &Account,
    window: Window,
) -> Result<(Vec<StoredCall>, i64)> {
    store.calls_of(&address_of(owner), window).await
}

/// The messages `owner` sent or was among the recipients of.
pub async fn messages_of(
    store: &impl StatisticsStore,
    owner: &Account,
    window: Window,
) -> Result<(Vec<StoredMessage>, i64)> {
    store.messages_of(&address_of(owner), window).await
}

/// Now, in Unix microseconds: records keep their times to the microsecond.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Deletes what is older than `days` days (calls by `initiated_at`,
/// messages by `sent_at`); their numbers.
pub async fn purge(store: &impl StatisticsStore, days: u32, now: i64) -> Result<(u64, u64)> {
    let before = now.saturating_sub(i64::from(days) * 86_400 * 1_000_000);
    store.purge_statistics(before).await
}

#[cfg(test)]
mod tests;
