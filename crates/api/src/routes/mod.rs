//! Route registration. Every route goes through utoipa-actix-web, so no
//! route can exist without its OpenAPI entry.

pub mod applications;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod beneficiaries;
pub mod clients;
pub mod field;
pub mod health;
pub mod imports;
pub mod matching;
pub mod procurement;
pub mod reference;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
    cfg.service(
        scope::scope("/api/v1")
            .service(auth::issue_token)
            .service(auth::me)
            .service(users::create_user)
            .service(users::list_users)
            .service(users::count_users)
            .service(users::get_user)
            .service(users::patch_user)
            .service(users::deactivate_user)
            .service(clients::create_client)
            .service(clients::list_clients)
            .service(clients::get_client)
            .service(clients::deactivate_client)
            .service(reference::list_regions)
            .service(reference::get_region)
            .service(reference::create_region)
            .service(reference::list_departments)
            .service(reference::list_roles)
            .service(reference::list_enums)
            .service(audit::list_audit_events)
            .service(audit::verify_audit_chain)
            .service(audit::list_events)
            .service(beneficiaries::create_beneficiary)
            .service(beneficiaries::list_beneficiaries)
            .service(beneficiaries::count_beneficiaries)
            .service(beneficiaries::get_beneficiary)
            .service(beneficiaries::patch_beneficiary)
            .service(beneficiaries::deactivate_beneficiary)
            .service(beneficiaries::create_household)
            .service(beneficiaries::list_households)
            .service(beneficiaries::get_household)
            .service(beneficiaries::add_household_member)
            .service(beneficiaries::remove_household_member)
            .service(applications::create_application)
            .service(applications::list_applications)
            .service(applications::get_application)
            .service(applications::accept_application)
            .service(applications::reject_application)
            .service(applications::close_application)
            .service(applications::withdraw_application)
            .service(applications::list_referrals)
            .service(applications::get_referral)
            .service(applications::accept_referral)
            .service(applications::reject_referral)
            .service(applications::return_referral)
            .service(applications::complete_referral)
            .service(applications::cancel_referral)
            .service(imports::start_import)
            .service(imports::get_import)
            .service(imports::list_import_errors)
            .service(field::report_discovery)
            .service(field::list_discoveries)
            .service(field::get_discovery)
            .service(field::verify_discovery)
            .service(field::dismiss_discovery)
            .service(field::convert_discovery)
            .service(field::send_signal)
            .service(field::record_visit)
            .service(field::list_visits)
            .service(field::get_visit)
            .service(field::create_ticket)
            .service(field::list_tickets)
            .service(field::get_ticket)
            .service(field::answer_ticket)
            .service(field::convert_ticket)
            .service(field::assign_ticket)
            .service(field::close_ticket)
            .service(assessment::current_model)
            .service(assessment::get_model)
            .service(assessment::publish_model)
            .service(assessment::create_assessment)
            .service(assessment::list_due)
            .service(assessment::get_assessment)
            .service(assessment::person_assessments)
            .service(assessment::summarise_needs)
            .service(assessment::list_needs)
            .service(matching::list_services)
            .service(matching::get_service)
            .service(matching::create_service)
            .service(matching::deactivate_service)
            .service(matching::register_provider)
            .service(matching::list_providers)
            .service(matching::get_provider)
            .service(matching::patch_provider)
            .service(matching::register_volunteer)
            .service(matching::list_volunteers)
            .service(matching::get_volunteer)
            .service(matching::log_hours)
            .service(matching::get_hours)
            .service(matching::match_need)
            .service(procurement::create_account)
            .service(procurement::list_accounts)
            .service(procurement::get_account)
            .service(procurement::patch_account)
            .service(procurement::draft_from_needs)
            .service(procurement::create_project)
            .service(procurement::list_projects)
            .service(procurement::get_project)
            .service(procurement::publish_project)
            .service(procurement::close_bidding)
            .service(procurement::fail_project)
            .service(procurement::terminate_project)
            .service(procurement::public_projects)
            .service(procurement::submit_bid)
            .service(procurement::list_bids)
            .service(procurement::score_bid)
            .service(procurement::award_project),
    );
}
