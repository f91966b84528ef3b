/** placeholder */
package org.indirectbuffer;
