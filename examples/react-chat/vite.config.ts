import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // Inside this repository the gateway packages come from their TypeScript sources (the `@gateway/source`
  // condition), so the example runs without building them first; an app outside it gets their built files.
  resolve: { conditions: ['@gateway/source', ...defaultClientConditions] },
  // In development the page and the gateway look like one origin: Vite passes /ws on to the gateway that
  // `npm start` runs on :8081, so the app's default URL (this host, /ws) works in both setups.
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8081', ws: true } } },
});
