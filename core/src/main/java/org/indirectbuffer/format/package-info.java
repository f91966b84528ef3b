package org.indirectbuffer.format;
