//! Compiles the protocol definitions in `proto/` with a pure-Rust protobuf
//! compiler (protox), so a fresh clone builds without a system `protoc`.

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
    Ok(())
}
