//! One compression for every answer: tower-http's, for the requests that accept an encoding;
//! a request that names none (an API client, the proxy benchmark's wrk) goes straight to the
//! inner service, so it pays nothing for compression it cannot take (measured: 660
//! instructions per forwarded request for the layer's checks alone).

use std::task::{Context, Poll};

use axum::BoxError;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{Response, header};
use futures_util::FutureExt;
use futures_util::future::{Either, Map};
use tower::{Layer, Service};
use tower_http::compression::predicate::{And, DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::{
    Compression, CompressionBody, CompressionLayer, CompressionLevel, ResponseFuture,
};

/// Answers of at least this size are compressed when the client accepts it; below, the bytes
/// saved are not worth the work (one user, an error: the proxy benchmark's GET is 563 bytes).
pub const COMPRESS_ABOVE: u16 = 1024;

/// The level of every encoding, chosen by `cargo xtask bench compression` (BENCHMARKS.md): at
/// 3, brotli and gzip take 5–7 ms per MB of a list and zstd 2, each within a few points of
/// its best ratio (about a tenth); brotli's 4 and up cost two to four times as much.
const LEVEL: i32 = 3;

type When = And<DefaultPredicate, SizeAbove>;

/// Compresses the answers of requests that accept an encoding.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompressLayer;

impl<S> Layer<S> for CompressLayer {
    type Service = Compress<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Compress(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(LEVEL))
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_ABOVE)))
                .layer(inner),
        )
    }
}

#[derive(Clone)]
pub struct Compress<S>(Compression<S, When>);

/// An answer with its body boxed as axum's, whichever way it came.
type Boxed<B, E> = fn(Result<Response<B>, E>) -> Result<Response<Body>, E>;

fn boxed<B, E>(answer: Result<Response<B>, E>) -> Result<Response<Body>, E>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    answer.map(|response| response.map(Body::new))
}

impl<S, B> Service<Request> for Compress<S>
where
    S: Service<Request, Response = Response<B>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError> + Send + Sync,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Either<
        Map<S::Future, Boxed<B, S::Error>>,
        Map<ResponseFuture<S::Future, When>, Boxed<CompressionBody<B>, S::Error>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.headers().contains_key(header::ACCEPT_ENCODING) {
            Either::Right(self.0.call(request).map(boxed as Boxed<_, _>))
        } else {
            Either::Left(self.0.get_mut().call(request).map(boxed as Boxed<_, _>))
        }
    }
}
