//! The bounded queue between decisions and delivery: pushing never waits, and a full queue
//! drops its oldest alert to make room (the newest alerts say the most about what is going on
//! now).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

/// A bounded first-in, first-out queue that drops the oldest item when full.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    items: Mutex<Inner<T>>,
    capacity: usize,
    ready: Notify,
}

#[derive(Debug)]
struct Inner<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> Queue<T> {
    /// An empty queue holding at most `capacity` items (at least one).
    pub fn new(capacity: usize) -> Queue<T> {
        Queue {
            items: Mutex::new(Inner {
                items: VecDeque::new(),
                closed: false,
            }),
            capacity: capacity.max(1),
            ready: Notify::new(),
        }
    }

    /// Appends `item`; when the queue is full, the oldest item is removed and returned.
    pub fn push(&self, item: T) -> Option<T> {
        let dropped = {
            let mut inner = self.lock();
            let dropped = if inner.items.len() >= self.capacity {
                inner.items.pop_front()
            } else {
                None
            };
            inner.items.push_back(item);
            dropped
        };
        self.ready.notify_one();
        dropped
    }

    /// The oldest item, waiting for one; `None` once the queue is closed and empty.
    pub async fn pop(&self) -> Option<T> {
        loop {
            // Registered before looking, so a push between the look and the wait wakes us.
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut inner = self.lock();
                if let Some(item) = inner.items.pop_front() {
                    drop(inner);
                    // Another item may be waiting for another worker.
                    self.ready.notify_one();
                    return Some(item);
                }
                if inner.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Lets every waiting [`Queue::pop`] return once the queue is empty.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_waiters();
    }

    /// How many items wait.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // Nothing panics while holding the lock; a poisoned queue is still a valid queue.
        self.items
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_drops_the_oldest() {
        let queue = Queue::new(3);
        for item in 1..=3 {
            assert_eq!(queue.push(item), None);
        }
        assert_eq!(queue.push(4), Some(1));
        assert_eq!(queue.push(5), Some(2));
        assert_eq!(queue.len(), 3);
        queue.close();
        let mut left = Vec::new();
        while let Some(item) = queue.pop().await {
            left.push(item);
        }
        assert_eq!(left, [3, 4, 5]);
    }

    #[tokio::test]
    async fn a_waiting_pop_wakes_on_push_and_on_close() {
        let queue = std::sync::Arc::new(Queue::new(128));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Some(item) = queue.pop().await {
                        got.push(item);
                    }
                    got
                })
            })
            .collect();
        for item in 0..100 {
            queue.push(item);
            tokio::task::yield_now().await;
        }
        queue.close();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.expect("worker"));
        }
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }
}
