// First: must run before any module that formats numbers at load time (uPlot).
import './lib/intl-install';
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

export default mount(App, { target });
