//! The readers of what the service keeps in Redis, open to the fuzz targets: a shared Redis is
//! only as trusted as its other clients, so whatever it holds must read as a value or an error,
//! never a panic. Each reader answers what it read, or why not.

/// Reads an approval's hash as Redis returns it (`field, value, …`): its id.
pub fn approval(pairs: Vec<String>) -> Result<String, String> {
    crate::approvals::decode_pairs(pairs)
        .map(|approval| approval.id)
        .map_err(|error| error.to_string())
}

/// Reads an agent's state: its hash's fields (name, value) and, per session, its value (empty
/// when new) and history entries, oldest first. Its version.
pub fn agent_state(
    agent: &str,
    fields: &[(String, String)],
    sessions: Vec<(String, String, Vec<String>)>,
) -> Result<i64, String> {
    crate::state::Snapshot::parse(agent, fields, sessions)
        .map(|snapshot| snapshot.version())
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_this_service_did_not_write_is_an_error() {
        let named = |pairs: &[&str]| pairs.iter().map(|part| (*part).to_owned()).collect();
        let read = approval(named(&["id", "x", "state", "pending"]));
        assert!(read.is_err_and(|error| error.contains("no `body`")));
        let read = approval(named(&["id", "x", "state", "pending", "body", "{"]));
        assert!(read.is_err());
        let fields = [("r:60".to_owned(), "1 2".to_owned())];
        assert!(agent_state("a", &fields, Vec::new()).is_err());
        let session = (
            "s".to_owned(),
            "2 0".to_owned(),
            vec!["later permit t".to_owned()],
        );
        assert!(agent_state("a", &[], vec![session]).is_err());
    }

    #[test]
    fn an_agents_state_reads_with_its_version() {
        let fields = [
            ("v".to_owned(), "42".to_owned()),
            ("r:60:stripe/charge".to_owned(), "29933841 2".to_owned()),
        ];
        let history = vec!["1796030467803862 permit stripe/charge".to_owned()];
        let sessions = vec![("s-42".to_owned(), "1 0".to_owned(), history)];
        assert_eq!(agent_state("payments-bot", &fields, sessions), Ok(42));
    }
}
