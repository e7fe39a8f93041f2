// First: must run before any module that formats numbers at load time (uPlot).
import './lib/intl-install';
import { mount } from 'svelte';
import { initSettings } from './lib/settings.svelte';
import App from './App.svelte';
import './app.css';

initSettings(); // theme + language from localStorage, before the first render

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');

export default mount(App, { target });
