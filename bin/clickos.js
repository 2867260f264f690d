#!/usr/bin/env node
import '../dist/toolstack/cli.js';
