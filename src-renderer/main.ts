import { mount } from 'svelte';
import App from './App.svelte';
import { connectApi } from './lib/api';
import { AppState } from './lib/state/app.svelte';
import './styles.css';

const app = new AppState(connectApi());
mount(App, { target: document.getElementById('app')!, props: { app } });
