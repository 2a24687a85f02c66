-- Part 6: statistics, as Flexisip's event-log writer reports them. Ids are
-- Flexisip's; times are Unix microseconds; addresses are split at the last
-- `@`, the host lowercased. Devices go with their call or message. Ids and
-- device ids are bytes (VARBINARY), so the recipients' key stays within
-- InnoDB's 3072-byte index limit.
CREATE TABLE statistics_calls (
    id VARBINARY(64) NOT NULL PRIMARY KEY,
    sip_call_id VARCHAR(255) NULL,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    initiated_at BIGINT NOT NULL,
    ended_at BIGINT NULL,
    conference_id VARCHAR(255) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    KEY statistics_calls_from_idx (from_username, from_domain, initiated_at),
    KEY statistics_calls_to_idx (to_username, to_domain, initiated_at),
    KEY statistics_calls_initiated_idx (initiated_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE statistics_call_devices (
    call_id VARBINARY(64) NOT NULL,
    device_id VARBINARY(255) NOT NULL,
    rang_at BIGINT NULL,
    invite_terminated_at BIGINT NULL,
    invite_terminated_state VARCHAR(32) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (call_id, device_id),
    CONSTRAINT statistics_call_devices_call_fk FOREIGN KEY (call_id)
        REFERENCES statistics_calls (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE statistics_messages (
    id VARBINARY(64) NOT NULL PRIMARY KEY,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    sent_at BIGINT NOT NULL,
    encrypted BOOLEAN NOT NULL,
    conference_id VARCHAR(255) NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    KEY statistics_messages_from_idx (from_username, from_domain, sent_at),
    KEY statistics_messages_sent_idx (sent_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE statistics_message_devices (
    message_id VARBINARY(64) NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    device_id VARBINARY(255) NOT NULL,
    last_status BIGINT NULL,
    received_at BIGINT NULL,
    PRIMARY KEY (message_id, to_username, to_domain, device_id),
    KEY statistics_message_devices_to_idx (to_username, to_domain),
    CONSTRAINT statistics_message_devices_message_fk FOREIGN KEY (message_id)
        REFERENCES statistics_messages (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
