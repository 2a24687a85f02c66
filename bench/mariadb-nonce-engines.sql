-- What one nonce statement costs in each MariaDB storage engine: N
-- autocommit single-row UPDATEs (the nc compare-and-set every Digest check
-- runs), in a stored procedure so the client's round trips do not count.
-- Run: bench/mariadb-nonce-engines.sh (BENCHMARKS.md has the figures).
DROP DATABASE IF EXISTS nonce_engines;
CREATE DATABASE nonce_engines;
USE nonce_engines;

CREATE TABLE n_innodb (nonce VARCHAR(64) CHARACTER SET ascii PRIMARY KEY, nc BIGINT NOT NULL) ENGINE = InnoDB;
CREATE TABLE n_memory (nonce VARCHAR(64) CHARACTER SET ascii PRIMARY KEY, nc BIGINT NOT NULL) ENGINE = MEMORY;
CREATE TABLE n_aria (nonce VARCHAR(64) CHARACTER SET ascii PRIMARY KEY, nc BIGINT NOT NULL) ENGINE = Aria TRANSACTIONAL = 0;
INSERT INTO n_innodb VALUES ('n', 0);
INSERT INTO n_memory VALUES ('n', 0);
INSERT INTO n_aria VALUES ('n', 0);

DELIMITER //
CREATE PROCEDURE run_innodb(n INT)
BEGIN
    DECLARE i INT DEFAULT 0;
    WHILE i < n DO
        UPDATE n_innodb SET nc = i + 1 WHERE nonce = 'n' AND nc < i + 1;
        SET i = i + 1;
    END WHILE;
END//
CREATE PROCEDURE run_memory(n INT)
BEGIN
    DECLARE i INT DEFAULT 0;
    WHILE i < n DO
        UPDATE n_memory SET nc = i + 1 WHERE nonce = 'n' AND nc < i + 1;
        SET i = i + 1;
    END WHILE;
END//
CREATE PROCEDURE run_aria(n INT)
BEGIN
    DECLARE i INT DEFAULT 0;
    WHILE i < n DO
        UPDATE n_aria SET nc = i + 1 WHERE nonce = 'n' AND nc < i + 1;
        SET i = i + 1;
    END WHILE;
END//
DELIMITER ;
