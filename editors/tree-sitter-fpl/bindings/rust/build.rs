//! Compiles the generated parser (`src/parser.c`) into the crate, as published grammars do.

use std::path::Path;

fn main() {
    let src = Path::new("src");
    let parser = src.join("parser.c");
    cc::Build::new()
        .std("c11")
        .include(src)
        .file(&parser)
        // Generated code: its warnings are not ours to fix.
        .warnings(false)
        .compile("tree-sitter-fpl");
    println!("cargo:rerun-if-changed={}", parser.display());
    for header in ["parser.h", "alloc.h", "array.h"] {
        println!(
            "cargo:rerun-if-changed={}",
            src.join("tree_sitter").join(header).display()
        );
    }
}
