import { validateJobData } from '../work/main/src/config/schema';
console.log(JSON.stringify(validateJobData('command', { command: 'x', inputs: { 'a-b': 1 } }), null, 1));
console.log(JSON.stringify(validateJobData('command', { command: 'x', environment: { image: 'x', build: { path: '.' } } }), null, 1));
console.log(JSON.stringify(validateJobData('command', { command: 'x', distribution: { type: 'pytorch', worker_count: 2 } }), null, 1));
console.log(JSON.stringify(validateJobData('command', { command: 'x', inputs: { a: { type: 'uri_folder', pth: 'x' } } }), null, 1));
console.log(JSON.stringify(validateJobData('command', { command: 'x', inputs: { a: { dataset: 'x', mode: 'bad' } } }), null, 1));
console.log(JSON.stringify(validateJobData('command', { command: 'x', environment: { conda_fil: 'x' } }), null, 1));
