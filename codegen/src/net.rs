//! What a generated crate needs to run its roles as real processes: the
//! `net` module (the `runtime::NetProtocol` implementation: persistent
//! variables saved and restored by the spec's names) and the node binary
//! (`src/bin/node.rs`). Which steps are timeouts is part of the
//! `runtime::Protocol` implementation (items.rs), shared with the
//! simulator.

use proc_macro2::TokenStream;
use quote::quote;
use spec_lang::ir::Spec;

use crate::names::{camel_ident, snake_ident};

/// src/net.rs.
pub fn net_module(spec: &Spec) -> TokenStream {
    let protocol = camel_ident(&spec.name);
    let mut save_arms = Vec::new();
    let mut restore_arms = Vec::new();
    for role in &spec.roles {
        let variant = camel_ident(&role.name);
        let persistent: Vec<_> = role
            .vars
            .iter()
            .map(|v| spec.var(*v))
            .filter(|v| v.persistent)
            .collect();
        let fields: Vec<_> = persistent.iter().map(|v| snake_ident(&v.name)).collect();
        let names: Vec<_> = persistent.iter().map(|v| v.name.as_str()).collect();
        if fields.is_empty() {
            save_arms.push(quote!(Node::#variant(_) => runtime::JsonMap::new()));
            restore_arms.push(quote!(node @ Node::#variant(_) => Ok(node)));
        } else {
            save_arms.push(quote! {
                Node::#variant(s) => {
                    let mut saved = runtime::JsonMap::new();
                    #(saved.insert(#names.to_string(), runtime::to_json(&s.#fields));)*
                    saved
                }
            });
            restore_arms.push(quote! {
                Node::#variant(mut s) => {
                    #(s.#fields = runtime::saved_field(saved, #names)?;)*
                    Ok(Node::#variant(s))
                }
            });
        }
    }
    quote! {
        //! Running the roles as processes: the persistent variables saved and
        //! restored by the spec's names.

        use super::*;

        impl runtime::NetProtocol for #protocol {
            fn persistent(node: &Node) -> runtime::JsonMap<String, runtime::Json> {
                match node { #(#save_arms),* }
            }

            #[allow(unused_variables)]
            fn restore(me: runtime::InstanceId, saved: &runtime::JsonMap<String, runtime::Json>) -> Result<Node, String> {
                match <#protocol as runtime::Protocol>::init(me) { #(#restore_arms),* }
            }
        }
    }
}

/// src/bin/node.rs: runs one role instance as a process.
pub fn node_bin(spec: &Spec, crate_name: &str) -> TokenStream {
    let krate = snake_ident(&crate_name.replace('-', "_"));
    let protocol = camel_ident(&spec.name);
    quote! {
        //! One role instance as a process:
        //! `node --role ROLE [--id N] --peers FILE --data DIR`, or
        //! `node merge-traces --out FILE TRACE...`.

        fn main() -> std::process::ExitCode {
            runtime::node_main::<#krate::#protocol>()
        }
    }
}
