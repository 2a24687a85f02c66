//! The flags of contract part 6: where uploaded files live, how large a
//! voicemail may be, how long statistics are kept.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct FlexisipDataArgs {
    /// Directory of uploaded files (voicemail recordings), created at
    /// start; the core refuses to start if it cannot write there. Shared
    /// by every core replica (a volume they all mount).
    #[arg(
        long,
        env = "FLEXIAPI_FILES_DIR",
        default_value = "files",
        global = true
    )]
    pub files_dir: PathBuf,

    /// Largest voicemail upload, in bytes: the `max_upload_size` of every
    /// slot. Flexisip records only if this is at least its
    /// max-voicemail-duration × 104,857 (12,582,840 for its default 120 s)
    /// and reads no answer above 25 MiB.
    #[arg(
        long,
        env = "FLEXIAPI_VOICEMAIL_MAX_BYTES",
        default_value_t = 16_777_216,
        value_parser = clap::value_parser!(u64).range(1..=1_073_741_824),
        global = true
    )]
    pub voicemail_max_bytes: u64,

    /// Days of call and message statistics to keep: older calls (by
    /// `initiated_at`) and messages (by `sent_at`) are deleted hourly.
    /// 0 keeps everything.
    #[arg(
        long,
        env = "FLEXIAPI_STATISTICS_RETENTION_DAYS",
        default_value_t = 0,
        value_parser = clap::value_parser!(u32).range(0..=36_500),
        global = true
    )]
    pub statistics_retention_days: u32,
}
