// Side-effect module: main.ts imports it first, before anything that formats at load time.
import { installIntlGuard } from './intl-guard';

installIntlGuard();
