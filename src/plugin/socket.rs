//! The Unix socket Terraform connects to, inside a private directory that is
//! removed (with the socket) when this value is dropped.

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use tokio::net::UnixListener;

use super::PluginError;

/// go-plugin lets the host choose where plugin sockets live.
const SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";

/// A listening Unix socket in a 0700 temporary directory.
pub struct PluginSocket {
    listener: UnixListener,
    path: PathBuf,
    // Declared last: dropped after the listener, removing the directory.
    _dir: TempDir,
}

impl PluginSocket {
    /// Creates the private directory (under `PLUGIN_UNIX_SOCKET_DIR` when the
    /// host sets it, else the system temporary directory) and listens in it.
    pub fn bind() -> Result<Self, PluginError> {
        let parent = std::env::var_os(SOCKET_DIR_KEY)
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("tfalchemy-")
            .permissions(Permissions::from_mode(0o700))
            .tempdir_in(&parent)
            .map_err(|source| PluginError::SocketDir { parent, source })?;
        let path = dir.path().join("plugin.sock");
        let listener = UnixListener::bind(&path).map_err(|source| PluginError::Bind {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            listener,
            path,
            _dir: dir,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn listener(&self) -> &UnixListener {
        &self.listener
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn directory_is_private_and_removed_on_drop() {
        let socket = PluginSocket::bind().expect("bind");
        let dir = socket.path().parent().expect("socket has a directory").to_owned();
        let mode = std::fs::metadata(&dir).expect("directory exists").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(socket.path().exists());
        drop(socket);
        assert!(!dir.exists());
    }
}
