//! Evaluation of purchased projects (项目评估): indicator schemes, evaluation
//! groups or third parties, scores, grades, reports, publication and appeals.

pub mod rules;
