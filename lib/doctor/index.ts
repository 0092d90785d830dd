// `train-monitor test` and `train-monitor doctor`.
export { runTestCommand, formatResult, plainReason, type TestCommandOptions } from './test-command.js';
export { runDoctor, type DoctorOptions } from './doctor.js';
