-- Part 6: statistics, as Flexisip's event-log writer reports them. Ids are
-- Flexisip's; times are Unix microseconds; addresses are split at the last
-- `@`, the host lowercased. Devices go with their call or message.
CREATE TABLE statistics_calls (
    id TEXT NOT NULL PRIMARY KEY,
    sip_call_id TEXT,
    from_username TEXT NOT NULL,
    from_domain TEXT NOT NULL,
    to_username TEXT NOT NULL,
    to_domain TEXT NOT NULL,
    initiated_at BIGINT NOT NULL,
    ended_at BIGINT,
    conference_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX statistics_calls_from_idx ON statistics_calls (from_username, from_domain, initiated_at);
CREATE INDEX statistics_calls_to_idx ON statistics_calls (to_username, to_domain, initiated_at);
CREATE INDEX statistics_calls_initiated_idx ON statistics_calls (initiated_at);

CREATE TABLE statistics_call_devices (
    call_id TEXT NOT NULL REFERENCES statistics_calls (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    rang_at BIGINT,
    invite_terminated_at BIGINT,
    invite_terminated_state TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (call_id, device_id)
);

CREATE TABLE statistics_messages (
    id TEXT NOT NULL PRIMARY KEY,
    from_username TEXT NOT NULL,
    from_domain TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    encrypted BOOLEAN NOT NULL,
    conference_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX statistics_messages_from_idx ON statistics_messages (from_username, from_domain, sent_at);
CREATE INDEX statistics_messages_sent_idx ON statistics_messages (sent_at);

CREATE TABLE statistics_message_devices (
    message_id TEXT NOT NULL REFERENCES statistics_messages (id) ON DELETE CASCADE,
    to_username TEXT NOT NULL,
    to_domain TEXT NOT NULL,
    device_id TEXT NOT NULL,
    last_status BIGINT,
    received_at BIGINT,
    PRIMARY KEY (message_id, to_username, to_domain, device_id)
);
CREATE INDEX statistics_message_devices_to_idx ON statistics_message_devices (to_username, to_domain);
