//! The model backend over HTTP: `POST {endpoint}/chat/completions` of an OpenAI-compatible API
//! with reqwest (rustls), on a small current-thread tokio runtime, with a time limit per request
//! and a cap on the response size. The conversation and its validation live in the analyzer
//! (`fpl_analyzer::intent::model`); this is only the transport.

use std::time::Duration;

use fpl_analyzer::intent::model::{
    ChatMessage, MAX_RESPONSE_SIZE, ModelBackend, ModelError, parse_response, request_body,
};

/// A chat-completions endpoint.
pub struct HttpModel {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
}

impl HttpModel {
    /// A client of `{endpoint}/chat/completions` asking for `model`.
    pub fn new(
        endpoint: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<HttpModel, ModelError> {
        let url = format!("{}/chat/completions", endpoint.trim_end_matches('/'));
        let transport = |message: String| ModelError::Transport {
            url: url.clone(),
            message,
        };
        let parsed = reqwest::Url::parse(&url).map_err(|error| transport(error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(transport(
                "the endpoint is not an http:// or https:// URL".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|error| transport(error.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| transport(error.to_string()))?;
        Ok(HttpModel {
            runtime,
            client,
            url,
            model: model.to_string(),
            api_key,
            timeout,
        })
    }

    async fn post(&self, messages: &[ChatMessage]) -> Result<String, ModelError> {
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(request_body(&self.model, messages));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let mut response = request.send().await.map_err(|error| self.error(&error))?;
        let too_large = || ModelError::TooLarge {
            url: self.url.clone(),
            limit: MAX_RESPONSE_SIZE,
        };
        if response
            .content_length()
            .is_some_and(|length| length > MAX_RESPONSE_SIZE as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.error(&error))? {
            if body.len() + chunk.len() > MAX_RESPONSE_SIZE {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let status = response.status();
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(ModelError::Status {
                url: self.url.clone(),
                status: status.as_u16(),
                body: text.chars().take(200).collect(),
            });
        }
        parse_response(&body).map_err(|error| ModelError::BadResponse {
            url: self.url.clone(),
            message: error.to_string(),
        })
    }

    fn error(&self, error: &reqwest::Error) -> ModelError {
        if error.is_timeout() {
            return ModelError::Timeout {
                url: self.url.clone(),
                seconds: self.timeout.as_secs_f64().ceil() as u64,
            };
        }
        ModelError::Transport {
            url: self.url.clone(),
            message: fpl_runtime::root_cause(error),
        }
    }
}

impl ModelBackend for HttpModel {
    fn complete(&self, messages: &[ChatMessage]) -> Result<String, ModelError> {
        self.runtime.block_on(self.post(messages))
    }
}
