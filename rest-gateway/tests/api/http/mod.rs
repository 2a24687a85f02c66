//! Contract `http.md`: the gateway's behaviour below the routes.

mod limits;
