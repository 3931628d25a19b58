//! Compiles the protocol definitions in `proto/` with a pure-Rust protobuf
//! compiler (protox), so a fresh clone builds without a system `protoc`; and
//! fingerprints the sources, so caches of what the code computes (normalized
//! schemas) never outlive the code that computed them.

use std::path::Path;

use sha2::{Digest, Sha256};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/tfplugin6.proto", "proto/go_plugin.proto"];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // RPCs we do not implement answer UNIMPLEMENTED, as Terraform expects of optional ones.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;

    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut hasher = Sha256::new();
    hash_tree(Path::new("src"), &mut hasher)?;
    // The parsers and the SQLite library are dependencies.
    hasher.update(std::fs::read("Cargo.lock")?);
    println!(
        "cargo:rustc-env=TFALCHEMY_SOURCE_SHA256={}",
        hex::encode(hasher.finalize())
    );
    Ok(())
}

/// Every file under `dir`, in name order: its path and its bytes.
fn hash_tree(dir: &Path, hasher: &mut Sha256) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            hash_tree(&path, hasher)?;
        } else {
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&path)?);
        }
    }
    Ok(())
}
