//! Contract `http.md`: the gateway's behaviour below the routes.

mod http2;
mod judgement;
mod layers;
mod limits;
mod paths;
