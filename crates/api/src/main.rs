//! The `jiuzhu` binary.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = jiuzhu_api::cli::Cli::parse();
    match jiuzhu_api::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jiuzhu: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
