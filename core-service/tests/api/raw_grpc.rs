//! Requests as bytes on the wire, as a broken or hostile client sends them:
//! one that cannot be decoded is INVALID_ARGUMENT naming the problem, never
//! INTERNAL.

use bytes::{Buf as _, BufMut as _};
use tonic::{
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    Code, Status,
};

use crate::helpers::{spawn_app, Backend};

/// Sends and receives messages as raw bytes.
#[derive(Default)]
struct RawCodec;

struct Raw;

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

async fn call(channel: tonic::transport::Channel, path: &'static str, body: &[u8]) -> Status {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(path);
    match grpc
        .unary(tonic::Request::new(body.to_vec()), path, RawCodec)
        .await
    {
        Ok(_) => Status::ok(""),
        Err(status) => status,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_request_is_invalid_argument() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let cases: [(&'static str, &[u8], &str); 4] = [
        // username (field 1, a string) holding invalid UTF-8
        (
            "/flexiapi.v1.AuthService/Challenge",
            &[0x0a, 0x02, 0xff, 0xfe],
            "invalid",
        ),
        // a length running past the end of the message
        (
            "/flexiapi.v1.AuthService/Challenge",
            &[0x0a, 0x05, 0x61],
            "buffer underflow",
        ),
        // id (field 1, a varint) cut in the middle
        (
            "/flexiapi.v1.AccountService/GetAccount",
            &[0x08, 0xff],
            "invalid varint",
        ),
        // a field tag of 0
        (
            "/flexiapi.v1.AccountService/GetAccount",
            &[0x00, 0x01],
            "invalid tag",
        ),
    ];
    for (path, body, problem) in cases {
        let status = call(app.channel(), path, body).await;
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{path} {body:?}: {status:?}"
        );
        assert!(
            status.message().contains("cannot be decoded") && status.message().contains(problem),
            "{path} {body:?}: {}",
            status.message()
        );
    }
    // A well-formed message still reaches the handler (account 1 does not exist).
    let status = call(
        app.channel(),
        "/flexiapi.v1.AccountService/GetAccount",
        &[0x08, 0x01],
    )
    .await;
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}
